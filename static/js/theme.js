// Applied before first paint, so a dark-theme user never sees a light flash.
(function () {
  var theme = localStorage.getItem("backoffice-theme") ||
    (window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light");
  document.documentElement.setAttribute("data-bs-theme", theme);
  if (localStorage.getItem("backoffice-sidebar") === "collapsed") {
    document.documentElement.classList.add("sidebar-collapsed");
  }
})();
