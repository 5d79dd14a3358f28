// Dashboard charts (Chart.js, data from data-chart JSON), re-rendered after every htmx swap and on
// theme change; the refresh interval is remembered in localStorage and kept in the URL.
(function () {
  "use strict";
  var PALETTE = ["#3b82f6", "#10b981", "#f59e0b", "#a855f7", "#ef4444", "#14b8a6"];
  var KEY = "backoffice-dashboard-refresh";
  var openPanels = {};

  function cssVar(name) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  }

  function build(spec) {
    var text = cssVar("--bs-body-color") || "#212529";
    var grid = cssVar("--bs-border-color") || "#dee2e6";
    var datasets = spec.datasets.map(function (d) {
      var color = d.color === "each" ? spec.labels.map(function (_, i) { return PALETTE[i % PALETTE.length]; })
        : PALETTE[d.color % PALETTE.length];
      return { label: d.label, data: d.data, backgroundColor: color, borderColor: color, spanGaps: true,
               tension: 0, maxBarThickness: 28, pointRadius: spec.labels.length > 40 ? 0 : 2 };
    });
    var round = spec.type === "doughnut";
    var counts = { beginAtZero: true, ticks: { color: text, precision: 0 }, grid: { color: grid } };
    var axis = { ticks: { color: text }, grid: { color: grid } };
    if (spec.percent) { counts.max = 100; }
    if (spec.money) { counts.ticks.precision = 2; }
    var scales = spec.horizontal ? { x: counts, y: axis } : { x: axis, y: counts };
    return {
      type: spec.type,
      data: { labels: spec.labels, datasets: datasets },
      options: {
        animation: false, responsive: true, maintainAspectRatio: false,
        indexAxis: spec.horizontal ? "y" : "x",
        plugins: { legend: { display: round || datasets.length > 1, labels: { color: text } } },
        scales: round ? {} : scales
      }
    };
  }

  // Draw every chart canvas that has no chart yet (swapped-in canvases are new elements);
  // `redraw` redraws all of them, e.g. after a theme change.
  function renderCharts(redraw) {
    if (!window.Chart) return;
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var old = window.Chart.getChart(canvas);
      if (old && !redraw) return;
      if (old) old.destroy();
      try {
        new window.Chart(canvas, build(JSON.parse(canvas.getAttribute("data-chart"))));
      } catch (err) {
        canvas.setAttribute("data-chart-error", String(err));
      }
    });
  }

  // A refresh re-renders a widget: keep an opened breakdown open. No ids inside widgets, because
  // htmx would copy the old element's style attribute onto a new one with the same id (CSP).
  function restorePanels() {
    Object.keys(openPanels).forEach(function (key) {
      var el = document.querySelector(".collapse[data-testid='" + key + "']");
      if (!el) return;
      el.classList.add("show");
      var btn = el.parentNode.querySelector("[data-bs-toggle='collapse']");
      if (btn) btn.setAttribute("aria-expanded", "true");
    });
  }

  // A swapped-out canvas must let go of its chart, or a day of refreshes piles them up.
  document.addEventListener("htmx:beforeCleanupElement", function (evt) {
    var el = evt.target;
    if (window.Chart && el.tagName === "CANVAS") {
      var chart = window.Chart.getChart(el);
      if (chart) chart.destroy();
    }
  });

  // afterSettle, not afterSwap: for an outerHTML swap afterSwap's target is the removed element.
  document.addEventListener("htmx:afterSettle", function () {
    restorePanels();
    renderCharts(false);
  });
  document.addEventListener("shown.bs.collapse", function (evt) { openPanels[evt.target.dataset.testid] = true; });
  document.addEventListener("hidden.bs.collapse", function (evt) { delete openPanels[evt.target.dataset.testid]; });

  document.addEventListener("DOMContentLoaded", function () {
    var params = new URLSearchParams(window.location.search);
    var saved = localStorage.getItem(KEY);
    if (document.getElementById("dash-refresh") && !params.has("refresh") && saved !== null) {
      params.set("refresh", saved);
      window.location.replace(window.location.pathname + "?" + params.toString());
      return;
    }
    var form = document.getElementById("dash-controls");
    var refresh = document.getElementById("dash-refresh");
    var range = document.getElementById("dash-range");
    if (refresh && form) {
      refresh.addEventListener("change", function () {
        localStorage.setItem(KEY, refresh.value);
        form.requestSubmit();
      });
    }
    if (range && form) {
      range.addEventListener("change", function () {
        if (range.value !== "custom") form.requestSubmit();
      });
    }
    renderCharts(false);
    new MutationObserver(function () { renderCharts(true); })
      .observe(document.documentElement, { attributes: true, attributeFilter: ["data-bs-theme"] });
  });
})();
