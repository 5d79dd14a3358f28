// Ticket list: the "select all on this page" checkbox.
(function () {
  "use strict";
  document.addEventListener("change", function (evt) {
    if (evt.target && evt.target.id === "select-all") {
      document.querySelectorAll("#ticket-table .row-check").forEach(function (box) {
        box.checked = evt.target.checked;
      });
    }
  });
})();
