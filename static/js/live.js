// Polls that cost nothing while nothing changed: an element with data-etag sends it as
// If-None-Match and keeps the ETag of each answer; the server answers 304 until something moves.
(function () {
  "use strict";
  document.addEventListener("htmx:configRequest", function (evt) {
    var tag = evt.detail.elt.getAttribute && evt.detail.elt.getAttribute("data-etag");
    if (tag) evt.detail.headers["If-None-Match"] = '"' + tag + '"';
  });
  document.addEventListener("htmx:afterRequest", function (evt) {
    var elt = evt.detail.elt;
    var xhr = evt.detail.xhr;
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
