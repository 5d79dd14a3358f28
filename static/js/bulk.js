// Bulk forms of list pages (tickets, users): "select all", the bar shown only with a selection,
// and one question before applying that names the action and the count.
(function () {
  "use strict";

  function bulkForms() { return document.querySelectorAll("form[data-bulk]"); }

  function boxesOf(form) {
    var table = document.querySelector(form.getAttribute("data-bulk-table"));
    return table ? table.querySelectorAll(".row-check") : [];
  }

  function checkedCount(form) {
    var n = 0;
    boxesOf(form).forEach(function (b) { if (b.checked) n += 1; });
    return n;
  }

  function allMatching(form) {
    var all = form.querySelector("[name=scope][value=all]");
    return !!(all && all.checked);
  }

  function refresh() {
    bulkForms().forEach(function (form) {
      var n = checkedCount(form);
      var bar = form.querySelector("[data-bulk-bar]");
      if (bar) bar.hidden = n === 0 && !allMatching(form);
      var count = form.querySelector("[data-bulk-count]");
      if (count) count.textContent = n === 1 ? "1 selected" : n + " selected";
      var boxes = boxesOf(form);
      var all = document.querySelector(form.getAttribute("data-bulk-table") + " .select-all");
      if (all) {
        all.checked = boxes.length > 0 && n === boxes.length;
        all.indeterminate = n > 0 && n < boxes.length;
      }
    });
  }
  window.backofficeBulkRefresh = refresh;

  function hint(form, message) {
    var box = form.querySelector("[data-bulk-hint]");
    if (box) box.textContent = message;
  }

  // The question to ask, or null when the form must not be sent (nothing selected, no action).
  function question(form) {
    var noun = form.getAttribute("data-bulk");
    var plural = form.getAttribute("data-bulk-plural") || noun + "s";
    var n = checkedCount(form);
    hint(form, "");
    if (n === 0 && !allMatching(form)) {
      hint(form, "Select at least one " + noun + ".");
      return null;
    }
    if (!form.checkValidity()) {
      form.reportValidity();
      return null;
    }
    var select = form.querySelector("select[name=action]");
    var label = select && select.selectedIndex >= 0 ? select.options[select.selectedIndex].text : "this change";
    var option = select && select.selectedIndex >= 0 ? select.options[select.selectedIndex] : null;
    var extra = option && option.getAttribute("data-with") ? form.querySelector(option.getAttribute("data-with")) : null;
    if (extra && !extra.value) {
      hint(form, "Fill in “" + (extra.labels && extra.labels[0] ? extra.labels[0].textContent : "the value") + "” first.");
      extra.focus();
      return null;
    }
    var value = extra ? " “" + (extra.tagName === "SELECT" ? extra.options[extra.selectedIndex].text : extra.value) + "”" : "";
    var target = allMatching(form)
      ? "every " + noun + " matching this view (up to " + form.getAttribute("data-bulk-cap") + ")"
      : n + " " + (n === 1 ? noun : plural);
    return label.replace(/…$/, "") + value + " — apply to " + target + "?";
  }

  document.addEventListener("change", function (evt) {
    var t = evt.target;
    if (!t || !t.classList) return;
    if (t.classList.contains("select-all")) {
      var table = t.closest("table");
      table.querySelectorAll(".row-check").forEach(function (b) { b.checked = t.checked; });
    }
    if (t.classList.contains("select-all") || t.classList.contains("row-check") || t.name === "scope") refresh();
  });

  // htmx asks before it sends: only the bulk form itself (links inside it are not asked about).
  document.addEventListener("htmx:confirm", function (evt) {
    var form = evt.detail.elt;
    if (!form.hasAttribute || !form.hasAttribute("data-bulk")) return;
    evt.preventDefault();
    var q = question(form);
    if (q !== null && window.confirm(q)) evt.detail.issueRequest(true);
  });
  document.addEventListener("htmx:afterSettle", refresh);
  document.addEventListener("DOMContentLoaded", refresh);
})();
