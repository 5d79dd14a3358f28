// Small behaviours that attributes cannot express: theme, sidebar, toasts.
(function () {
  "use strict";

  function showToast(message, level) {
    var tpl = document.getElementById("toast-template");
    var box = document.getElementById("toasts");
    if (!tpl || !box) return;
    var el = tpl.content.firstElementChild.cloneNode(true);
    var kind = level || "success";
    el.classList.add("text-bg-" + kind);
    if (kind === "success") el.setAttribute("data-testid", "success-message");
    el.querySelector(".toast-body").textContent = message;
    box.appendChild(el);
    var toast = bootstrap.Toast.getOrCreateInstance(el, { delay: kind === "danger" ? 8000 : 4000 });
    el.addEventListener("hidden.bs.toast", function () { el.remove(); });
    toast.show();
  }
  window.backofficeToast = showToast;

  document.addEventListener("toast", function (evt) {
    var d = evt.detail || {};
    showToast(d.message, d.level);
  });

  document.addEventListener("htmx:responseError", function (evt) {
    var xhr = evt.detail.xhr;
    if (xhr && !xhr.getResponseHeader("HX-Trigger")) {
      showToast("The request failed (" + xhr.status + "). Try again.", "danger");
    }
  });
  document.addEventListener("htmx:sendError", function () {
    showToast("The server could not be reached. Check your connection.", "danger");
  });

  document.addEventListener("DOMContentLoaded", function () {
    var themeBtn = document.getElementById("theme-toggle");
    if (themeBtn) {
      themeBtn.addEventListener("click", function () {
        var root = document.documentElement;
        var next = root.getAttribute("data-bs-theme") === "dark" ? "light" : "dark";
        root.setAttribute("data-bs-theme", next);
        localStorage.setItem("backoffice-theme", next);
      });
    }
    var sideBtn = document.getElementById("sidebar-toggle");
    if (sideBtn) {
      var root = document.documentElement;
      var narrow = window.matchMedia("(max-width: 991.98px)");
      var sync = function () {
        var open = narrow.matches ? root.classList.contains("sidebar-open") : !root.classList.contains("sidebar-collapsed");
        sideBtn.setAttribute("aria-expanded", String(open));
      };
      var closeMenu = function (refocus) {
        if (!root.classList.contains("sidebar-open")) return;
        root.classList.remove("sidebar-open");
        sync();
        if (refocus) sideBtn.focus();
      };
      window.backofficeCloseMenu = closeMenu;
      sync();
      narrow.addEventListener("change", function () { root.classList.remove("sidebar-open"); sync(); });
      sideBtn.addEventListener("click", function () {
        if (narrow.matches) {  // off-canvas menu on small screens
          root.classList.add("sidebar-open");
          sync();
          var first = document.querySelector("#sidebar .nav-link");
          if (first) first.focus();
          return;
        }
        var collapsed = root.classList.toggle("sidebar-collapsed");
        localStorage.setItem("backoffice-sidebar", collapsed ? "collapsed" : "expanded");
        sync();
      });
      var backdrop = document.getElementById("app-backdrop");
      if (backdrop) backdrop.addEventListener("click", function () { closeMenu(true); });
      document.addEventListener("keydown", function (evt) {
        if (evt.key === "Escape") closeMenu(true);
      });
    }
    // A plain form with data-confirm asks before it acts (destructive actions). An htmx form asks
    // through htmx:confirm below instead, so the question comes once.
    document.body.addEventListener("submit", function (evt) {
      var form = evt.target;
      if (!form.getAttribute || form.hasAttribute("hx-post") || form.hasAttribute("hx-get")) return;
      var msg = form.getAttribute("data-confirm");
      if (msg && !window.confirm(msg)) evt.preventDefault();
    }, true);
  });

  document.addEventListener("htmx:confirm", function (evt) {
    var elt = evt.detail.elt;
    // Only the element that carries the question asks: never links or buttons inside it.
    var msg = elt.getAttribute && elt.getAttribute("data-confirm");
    if (!msg) return;
    evt.preventDefault();
    if (window.confirm(msg)) evt.detail.issueRequest(true);
  });
})();
