// Small behaviours shared by every page. No inline scripts anywhere (CSP: script-src 'self').
(function () {
  "use strict";

  // Menus open on click (touch screens) and close when clicking elsewhere.
  document.addEventListener("click", function (event) {
    var button = event.target.closest(".menu-button");
    document.querySelectorAll(".menu.open").forEach(function (menu) {
      if (!button || menu !== button.parentElement) menu.classList.remove("open");
    });
    if (button) button.parentElement.classList.toggle("open");

    var bell = event.target.closest("#bell-button");
    var panel = document.getElementById("bell-panel");
    if (panel) {
      if (bell) panel.hidden = !panel.hidden;
      else if (!event.target.closest("#bell-panel")) panel.hidden = true;
    }
  });

  // <form data-confirm="..."> asks before submitting (e.g. irreversible decisions).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var message = form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) event.preventDefault();
  });

  // <a data-print> prints the page.
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) { event.preventDefault(); window.print(); }
  });

  // Charts: <canvas data-chart='{"type": "line", "data": {...}}'> rendered with Chart.js when loaded.
  function renderCharts(root) {
    if (!window.Chart) return;
    root.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      if (canvas.dataset.rendered) return;
      canvas.dataset.rendered = "1";
      var config = JSON.parse(canvas.getAttribute("data-chart"));
      config.options = Object.assign({ responsive: true, maintainAspectRatio: false, animation: false }, config.options || {});
      new window.Chart(canvas, config);
    });
  }
  document.addEventListener("DOMContentLoaded", function () { renderCharts(document); });
  document.addEventListener("htmx:afterSwap", function (event) { renderCharts(event.target); });
  window.portalRenderCharts = renderCharts;
})();
