// Users list: "select all" for the row checkboxes (they belong to the bulk form).
(function () {
  "use strict";
  document.addEventListener("change", function (evt) {
    if (evt.target && evt.target.id === "select-all") {
      document.querySelectorAll("#user-table .row-check").forEach(function (box) {
        box.checked = evt.target.checked;
      });
    }
  });
})();
