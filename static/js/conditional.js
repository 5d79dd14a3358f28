// Conditional refreshes: an element marked data-conditional remembers the ETag of its last answer and
// sends it as If-None-Match; a 304 keeps the content (htmx-config: 304 does not swap) and only its
// "as of" text is updated from the X-Freshness header.
(function () {
  "use strict";

  document.addEventListener("htmx:configRequest", function (evt) {
    var el = evt.detail.elt;
    if (el && el.hasAttribute && el.hasAttribute("data-conditional") && el.dataset.etag) {
      evt.detail.headers["If-None-Match"] = el.dataset.etag;
    }
  });

  document.addEventListener("htmx:afterRequest", function (evt) {
    var el = evt.detail.elt, xhr = evt.detail.xhr;
    if (!el || !xhr || !el.hasAttribute || !el.hasAttribute("data-conditional")) return;
    if (xhr.status === 200) {
      var tag = xhr.getResponseHeader("ETag");
      if (tag) { el.dataset.etag = tag; } else { delete el.dataset.etag; }
    } else if (xhr.status === 304) {
      var text = xhr.getResponseHeader("X-Freshness");
      var stamp = el.querySelector("[data-as-of]");
      if (text && stamp) stamp.textContent = text;
      el.dataset.notModified = String(Number(el.dataset.notModified || 0) + 1);
    }
  });
})();
