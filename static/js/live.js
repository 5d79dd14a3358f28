// Polls that cost nothing while nothing changed: an element with data-etag sends it as
// If-None-Match and keeps the ETag of each answer; the server answers 304 until something moves.
(function () {
  "use strict";
  document.addEventListener("htmx:configRequest", function (evt) {
    var elt = evt.detail.elt;
    var tag = elt.getAttribute && elt.getAttribute("data-etag");
    if (tag) evt.detail.headers["If-None-Match"] = '"' + tag + '"';
    // A list's poll asks for what changed since its previous answer.
    if (elt.hasAttribute && elt.hasAttribute("data-after")) evt.detail.parameters.after = elt.getAttribute("data-after");
  });
  // Rows a list poll replaces keep their checkboxes.
  var kept = null;
  document.addEventListener("htmx:beforeSwap", function (evt) {
    var sel = evt.detail.elt.getAttribute && evt.detail.elt.getAttribute("data-keep-selection");
    if (!sel) return;
    kept = [];
    document.querySelectorAll(sel + " .row-check:checked").forEach(function (b) { kept.push(b.value); });
  });
  document.addEventListener("htmx:afterSettle", function (evt) {
    var sel = evt.detail.elt.getAttribute && evt.detail.elt.getAttribute("data-keep-selection");
    if (!sel || !kept) return;
    document.querySelectorAll(sel + " .row-check").forEach(function (b) { if (kept.indexOf(b.value) >= 0) b.checked = true; });
    kept = null;
    if (window.backofficeBulkRefresh) window.backofficeBulkRefresh();
  });
  document.addEventListener("htmx:afterRequest", function (evt) {
    var elt = evt.detail.elt;
    var xhr = evt.detail.xhr;
    var polled = xhr && xhr.status === 200 && xhr.getResponseHeader("X-Polled-At");
    if (polled && elt.hasAttribute && elt.hasAttribute("data-after")) elt.setAttribute("data-after", polled);
    if (!elt.hasAttribute || !elt.hasAttribute("data-etag") || !xhr || xhr.status !== 200) return;
    var tag = (xhr.getResponseHeader("ETag") || "").replace(/^W\//, "").replace(/"/g, "");
    if (tag) elt.setAttribute("data-etag", tag);
    // A reply arrived while a message is being written: say so before it is sent.
    var thread = document.getElementById("thread");
    var form = document.getElementById("comment-form");
    var box = document.getElementById("comment-body");
    var notice = document.getElementById("arrived-notice");
    if (thread && form && box && notice && box.value.trim()) {
      var seen = parseInt(form.querySelector("[name=seen]").value, 10);
      if (parseInt(thread.getAttribute("data-count"), 10) > seen) notice.hidden = false;
    }
  });
})();
