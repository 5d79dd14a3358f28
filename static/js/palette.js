// Global search and command palette: Ctrl-K (or "/" on pages without a list search box) opens it,
// arrows choose, Enter opens, Esc closes; the last searches are kept in this browser only.
(function () {
  "use strict";
  var RECENT_KEY = "backoffice.recent-searches";
  var RECENT_MAX = 5;
  var dialog = document.getElementById("palette");
  if (!dialog) return;
  var input = document.getElementById("palette-input");
  var form = document.getElementById("palette-form");
  var results = document.getElementById("palette-results");
  var recent = document.getElementById("palette-recent");

  function typing(el) {
    return el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  }

  function listSearchBox() {
    return document.querySelector("main input[type=search][name=q], main input[name=q][data-list-search]");
  }

  function readRecent() {
    try { return JSON.parse(localStorage.getItem(RECENT_KEY) || "[]").filter(function (q) { return typeof q === "string"; }); }
    catch (e) { return []; }
  }

  function remember(q) {
    q = (q || "").trim();
    if (!q) return;
    var list = readRecent().filter(function (x) { return x !== q; });
    list.unshift(q);
    try { localStorage.setItem(RECENT_KEY, JSON.stringify(list.slice(0, RECENT_MAX))); } catch (e) { /* storage full or off */ }
  }

  function showRecent() {
    var list = readRecent();
    recent.replaceChildren();
    recent.hidden = input.value !== "" || list.length === 0;
    if (recent.hidden) return;
    var label = document.createElement("div");
    label.className = "search-group-label small text-body-secondary px-2 pt-2";
    label.textContent = "Recent searches";
    recent.appendChild(label);
    list.forEach(function (q, i) {
      var a = document.createElement("a");
      a.href = form.action + "?q=" + encodeURIComponent(q);
      a.className = "search-option search-recent d-block px-2 py-1 text-reset text-decoration-none";
      a.setAttribute("role", "option");
      a.setAttribute("aria-selected", "false");
      a.id = "palette-recent-" + i;
      a.dataset.q = q;
      a.textContent = q;
      recent.appendChild(a);
    });
  }

  function options() {
    return Array.prototype.slice.call(dialog.querySelectorAll(".search-option")).filter(function (o) {
      return o.offsetParent !== null;
    });
  }

  function active() {
    return dialog.querySelector(".search-option[aria-selected=true]");
  }

  function choose(option) {
    options().forEach(function (o) { o.setAttribute("aria-selected", o === option ? "true" : "false"); o.classList.toggle("active", o === option); });
    if (option) { input.setAttribute("aria-activedescendant", option.id); option.scrollIntoView({ block: "nearest" }); }
    else input.removeAttribute("aria-activedescendant");
  }

  function move(step) {
    var list = options();
    if (!list.length) return;
    var at = list.indexOf(active());
    var next = at < 0 ? (step > 0 ? 0 : list.length - 1) : (at + step + list.length) % list.length;
    choose(list[next]);
  }

  function follow(option) {
    if (option.classList.contains("search-recent")) {
      input.value = option.dataset.q;
      choose(null);
      showRecent();
      htmx.trigger(input, "search");
      return;
    }
    remember(input.value);
    window.location.assign(option.href);
  }

  function open() {
    if (dialog.open) { input.focus(); return; }
    dialog.showModal();
    input.select();
    showRecent();
    if (!results.hasChildNodes()) htmx.trigger(input, "search");
  }

  function close() {
    if (dialog.open) dialog.close();
  }

  document.addEventListener("keydown", function (event) {
    var key = event.key;
    if ((event.ctrlKey || event.metaKey) && !event.altKey && (key === "k" || key === "K")) {
      event.preventDefault();
      open();
      return;
    }
    if (key === "/" && !event.ctrlKey && !event.metaKey && !event.altKey && !dialog.open && !typing(event.target)) {
      var box = listSearchBox();
      event.preventDefault();
      if (box) box.focus(); else open();
    }
  });

  document.getElementById("palette-open").addEventListener("click", open);

  input.addEventListener("keydown", function (event) {
    if (event.key === "ArrowDown") { event.preventDefault(); move(1); }
    else if (event.key === "ArrowUp") { event.preventDefault(); move(-1); }
    else if (event.key === "Enter") {
      var option = active();
      if (option) { event.preventDefault(); follow(option); }
      else remember(input.value);  // the form submits: a ticket number opens the ticket, else the results page
    }
  });

  input.addEventListener("input", function () { choose(null); showRecent(); });

  dialog.addEventListener("click", function (event) {
    if (event.target === dialog) { close(); return; }  // the backdrop
    var option = event.target.closest(".search-option");
    if (option) { event.preventDefault(); follow(option); }
  });

  dialog.addEventListener("close", function () { choose(null); });

  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target === results) choose(null);
  });

  // Recent searches belong to whoever is signed in: forget them on sign-out.
  document.addEventListener("submit", function (event) {
    if (event.target.querySelector("[data-testid=logout]")) {
      try { localStorage.removeItem(RECENT_KEY); } catch (e) { /* storage off */ }
    }
  });
})();
