// Draws the Model page's charts from the JSON block the server renders; runs again after
// htmx swaps new results in. Without JavaScript the tables carry the same numbers.
(function () {
  function draw(root) {
    var block = root.querySelector ? root.querySelector("#chart-data") : null;
    if (!block || !window.Plotly) return;
    var charts = JSON.parse(block.textContent);
    root.querySelectorAll("[data-chart]").forEach(function (el) {
      var spec = charts[el.getAttribute("data-chart")];
      if (spec) window.Plotly.react(el, spec.data, spec.layout, { displaylogo: false, responsive: true });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:afterSwap", function (e) { draw(e.target); });
})();
