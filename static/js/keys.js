// Keyboard first: "?" shows the shortcuts; on lists "/" focuses the search, j/k move, x selects,
// Enter opens; on a ticket r reply, n note, a assign to me, s status, Ctrl-Enter sends,
// [ and ] the previous and next ticket of the list it was opened from. Focus survives htmx swaps.
(function () {
  "use strict";
  var VIEW_KEY = "backoffice-view";

  function typing(el) {
    if (!el || !el.tagName) return false;
    var tag = el.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || el.isContentEditable;
  }
  function rows() { return Array.prototype.slice.call(document.querySelectorAll("tr[data-row]")); }
  function currentRow() {
    var active = document.activeElement;
    var row = active && active.closest ? active.closest("tr[data-row]") : null;
    return row || document.querySelector("tr[data-row].row-current");
  }
  function setCurrent(row) {
    rows().forEach(function (r) { r.classList.toggle("row-current", r === row); });
    if (row) { row.focus(); row.scrollIntoView({ block: "nearest" }); }
  }
  function move(step) {
    var all = rows();
    if (!all.length) return;
    var i = all.indexOf(currentRow());
    setCurrent(all[Math.max(0, Math.min(all.length - 1, i < 0 ? 0 : i + step))]);
  }
  // The list a ticket was opened from, so [ and ] walk it.
  function rememberView() {
    var all = rows();
    var table = document.querySelector("[data-view-query]");
    if (!all.length || !table) return;
    sessionStorage.setItem(VIEW_KEY, JSON.stringify({
      list: location.pathname, query: table.getAttribute("data-view-query"),
      ids: all.map(function (r) { return r.getAttribute("data-id"); })
    }));
  }
  function neighbour(step) {
    var here = document.querySelector("[data-ticket-id]");
    var view = JSON.parse(sessionStorage.getItem(VIEW_KEY) || "null");
    if (!here || !view) return null;
    var i = view.ids.indexOf(here.getAttribute("data-ticket-id"));
    return i < 0 ? null : view.ids[i + step] || null;
  }
  function click(selector) {
    var el = document.querySelector(selector);
    if (el && !el.disabled) { el.click(); return true; }
    return false;
  }
  function compose(mode) {
    var form = document.querySelector("[data-testid=comment-form]");
    var box = document.getElementById("comment-body");
    if (!form || !box) return;
    form.setAttribute("data-mode", mode);
    box.classList.toggle("internal-note", mode === "note");
    box.setAttribute("aria-label", mode === "note" ? "Internal note" : "Reply to the customer");
    box.focus();
  }
  function showHelp() {
    var el = document.getElementById("shortcuts");
    if (el && window.bootstrap) bootstrap.Modal.getOrCreateInstance(el).show();
  }

  document.addEventListener("keydown", function (evt) {
    var t = evt.target;
    if (evt.key === "Enter" && (evt.ctrlKey || evt.metaKey) && t.id === "comment-body") {
      var form = t.form;
      var mode = form && form.getAttribute("data-mode") === "note" ? "add-note" : "send-reply";
      if (click("[data-testid=" + mode + "]")) evt.preventDefault();
      return;
    }
    var open = document.querySelector(".modal.show");
    if (evt.key === "Escape" && open && window.bootstrap) { bootstrap.Modal.getOrCreateInstance(open).hide(); return; }
    if (evt.key === "Escape" && typing(t)) {
      // A search box keeps its query: Chromium would clear it, and the cleared box would reload the list.
      if (t.matches && t.matches("[data-list-search]")) evt.preventDefault();
      if (t.tagName === "TEXTAREA" || t.tagName === "INPUT") t.blur();
      return;
    }
    if (evt.key === "ArrowDown" && t.matches && t.matches("[data-list-search]") && rows().length) {
      evt.preventDefault(); setCurrent(rows()[0]); return;
    }
    if (typing(t) || evt.ctrlKey || evt.metaKey || evt.altKey || evt.defaultPrevented) return;
    if (document.querySelector(".modal.show") && evt.key !== "?") return;
    var key = evt.key;
    var done = true;
    if (key === "?") showHelp();
    else if (key === "/" && document.querySelector("[data-list-search]")) document.querySelector("[data-list-search]").focus();
    else if (key === "j") move(1);
    else if (key === "k") move(-1);
    else if (key === "x" && currentRow()) {
      var box = currentRow().querySelector(".row-check");
      if (box) { box.checked = !box.checked; box.dispatchEvent(new Event("change", { bubbles: true })); }
    } else if (key === "Enter" && t.matches && t.matches("tr[data-row]")) {
      rememberView(); location.href = t.getAttribute("data-href");
    } else if (key === "r" && document.getElementById("comment-body")) compose("reply");
    else if (key === "n" && document.getElementById("comment-body")) compose("note");
    else if (key === "a") done = click("[data-testid=assign-me]");
    else if (key === "s" && document.getElementById("field-status")) document.getElementById("field-status").focus();
    else if ((key === "[" || key === "]") && neighbour(key === "]" ? 1 : -1)) {
      location.href = "/tickets/" + neighbour(key === "]" ? 1 : -1);
    } else done = false;
    if (done) evt.preventDefault();
  });

  // Opening a row with the mouse or a link remembers the view too.
  document.addEventListener("click", function (evt) {
    if (evt.target.closest && evt.target.closest("tr[data-row] a")) rememberView();
  });
  // Skip links that land on the first row of a list.
  document.addEventListener("click", function (evt) {
    var link = evt.target.closest && evt.target.closest("[data-skip-to=rows]");
    if (!link || !rows().length) return;
    evt.preventDefault();
    setCurrent(rows()[0]);
  });

  // Focus after a swap: back on the element the user was on (same id or name), else the swapped region.
  var saved = null;
  document.addEventListener("htmx:beforeSwap", function () {
    var a = document.activeElement;
    if (!a || a === document.body) { saved = null; return; }
    var row = a.closest && a.closest("tr[data-row]");
    saved = {
      id: a.id, name: a.name && a.form ? a.form.id + "|" + a.name : null,
      row: row ? row.getAttribute("data-id") : null, rowOnly: a === row
    };
  });
  document.addEventListener("htmx:afterSettle", function (evt) {
    var s = saved;
    saved = null;
    var box = document.getElementById("comment-body");
    if (s && s.id === "comment-body" && box && !box.value && evt.detail.requestConfig &&
        evt.detail.requestConfig.verb === "post") {  // sent: land on the message just added
      var entries = document.querySelectorAll("#thread article");
      if (entries.length) {
        var last = entries[entries.length - 1];
        last.setAttribute("tabindex", "-1");
        last.focus();
        return;
      }
    }
    if (!s || (document.activeElement && document.activeElement !== document.body)) return;
    var el = null;
    if (s.row) {
      var row = document.querySelector("tr[data-row][data-id='" + s.row + "']");
      if (row) { setCurrent(row); return; }
    }
    if (s.id) el = document.getElementById(s.id);
    if (!el && s.name) {
      var parts = s.name.split("|");
      var form = document.getElementById(parts[0]);
      el = form ? form.querySelector("[name='" + parts[1] + "']") : null;
    }
    if (!el) {
      el = evt.detail.elt;
      if (el && !el.hasAttribute("tabindex")) el.setAttribute("tabindex", "-1");
    }
    if (el && el.focus) el.focus({ preventScroll: !s.id });
  });
})();
