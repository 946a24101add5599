// The dashboard's monthly trend (发现 / 销号 / 逾期) from <script type="application/json"
// id="insp-trend-data"> into .insp-trend-chart (no inline script: the CSP allows only our files).
// Clicking a bar opens the ledger list of exactly those findings (each point carries its href).
(function () {
  "use strict";
  function render() {
    var source = document.getElementById("insp-trend-data");
    var el = document.querySelector(".insp-trend-chart");
    if (!source || !el || typeof echarts === "undefined") { return; }
    var spec = JSON.parse(source.textContent);
    var chart = echarts.init(el, null, { renderer: "svg" });
    chart.setOption({
      color: ["#206bc4", "#2fb344", "#d63939"],
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 8, right: 8, top: 32, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: spec.months },
      yAxis: { type: "value", minInterval: 1 },
      series: spec.series.map(function (s) {
        return { name: s.name, type: "bar", data: s.data, cursor: "pointer" };
      })
    });
    chart.on("click", function (params) {
      if (params.data && params.data.href) { window.location.href = params.data.href; }
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", render);
  } else {
    render();
  }
})();
