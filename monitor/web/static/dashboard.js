/* Draws the dashboard's charts with the vendored Chart.js from the JSON block the page carries.
 * The same numbers are in the page's tables. */
(function () {
  "use strict";
  var block = document.getElementById("chart-data");
  if (!block || typeof window.Chart === "undefined") return;
  var data = JSON.parse(block.textContent);
  var SENTIMENT = { negative: "#c8372d", neutral: "#8c96a3", positive: "#2f8a4c", "not judged": "#d4a017" };
  var PALETTE = ["#2563a6", "#d9822b", "#6b4fa0", "#1f9a8a", "#b0417a", "#7a8c2e", "#4d6a7a", "#a35d2a"];

  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.color = "#3d4753";
  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;

  function stacked() {
    return {
      scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } },
      plugins: { legend: { position: "bottom" } },
    };
  }

  function draw(name, config) {
    var canvas = document.querySelector('canvas[data-chart="' + name + '"]');
    if (canvas) new Chart(canvas, config);
  }

  draw("sentiment", {
    type: "bar",
    data: {
      labels: data.steps,
      datasets: data.by_label.map(function (pair) {
        return { label: pair[0], data: pair[1], backgroundColor: SENTIMENT[pair[0]] || "#999" };
      }),
    },
    options: stacked(),
  });

  draw("sources", {
    type: "bar",
    data: {
      labels: data.steps,
      datasets: data.by_source.map(function (pair, i) {
        return { label: pair[0], data: pair[1], backgroundColor: PALETTE[i % PALETTE.length] };
      }),
    },
    options: stacked(),
  });

  var per = data.per_source;
  draw("deadlines", {
    type: "bar",
    data: {
      labels: per.sources,
      datasets: [
        { label: "answered within the deadline", data: per.on_time, backgroundColor: SENTIMENT.positive },
        { label: "breached", data: per.breaches, backgroundColor: SENTIMENT.negative },
      ],
    },
    options: stacked(),
  });

  draw("response", {
    type: "bar",
    data: {
      labels: per.sources,
      datasets: [{ label: "median minutes to first response", data: per.median_minutes, backgroundColor: PALETTE[0] }],
    },
    options: {
      scales: { y: { beginAtZero: true } },
      plugins: { legend: { display: false } },
    },
  });
})();
