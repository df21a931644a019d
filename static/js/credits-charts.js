/* Draws the statistics charts from the JSON the page embeds (#credits-chart-data) with the vendored ECharts. */
(function () {
  "use strict";
  function draw() {
    var source = document.getElementById("credits-chart-data");
    if (!source || !window.echarts) { return; }
    var charts = JSON.parse(source.textContent);
    var still = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    document.querySelectorAll(".credits-chart").forEach(function (el) {
      var spec = charts[Number(el.dataset.chartIndex)];
      if (!spec || spec.empty) { return; }
      var chart = window.echarts.init(el);
      chart.setOption({
        animation: !still,
        title: { text: spec.title, textStyle: { fontSize: 14 } },
        tooltip: { trigger: "axis", valueFormatter: function (v) { return v === null ? "—" : v + (spec.unit || ""); } },
        grid: { left: 48, right: 16, bottom: 64, top: 40 },
        xAxis: { type: "category", data: spec.labels, axisLabel: { interval: 0, rotate: spec.labels.length > 6 ? 30 : 0, width: 96, overflow: "break" } },
        yAxis: { type: "value", max: spec.unit === "%" ? 100 : null },
        series: spec.series.map(function (s) { return { name: s.name, type: spec.type, data: s.data }; })
      });
      window.addEventListener("resize", function () { chart.resize(); });
      el.dataset.drawn = "1";
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
