// The composer's macro picker: a button, the "m" key outside text fields, or "::" typed in the message.
(function () {
  "use strict";
  function picker() { return document.getElementById("macro-picker"); }

  function open() {
    var dialog = picker();
    if (!dialog || dialog.open) { return; }
    dialog.showModal();
    var q = document.getElementById("macro-q");
    if (q) { q.value = ""; q.focus(); }
    document.body.dispatchEvent(new Event("macros-open"));
  }

  function typing(el) {
    return el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  }

  document.addEventListener("click", function (e) {
    if (e.target.closest && e.target.closest("[data-macro-open]")) { open(); }
  });
  document.addEventListener("keydown", function (e) {
    if (e.key === "m" && !e.ctrlKey && !e.metaKey && !e.altKey && !typing(e.target) && picker()) {
      e.preventDefault();
      open();
    }
  });
  document.addEventListener("input", function (e) {
    var box = e.target;
    if (!box || box.id !== "comment-body") { return; }
    var at = box.selectionStart;
    if (at >= 2 && box.value.slice(at - 2, at) === "::") {
      box.value = box.value.slice(0, at - 2) + box.value.slice(at);
      box.setSelectionRange(at - 2, at - 2);
      open();
    }
  });
})();
