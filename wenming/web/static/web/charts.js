// Renders the charts described in <script type="application/json" id="wm-chart-data"> into the
// .wm-chart elements (no inline script: the CSP allows only our own files). Clicking a slice or a
// bar opens the records behind it.
(function () {
  "use strict";
  function render() {
    var source = document.getElementById("wm-chart-data");
    if (!source || typeof echarts === "undefined") { return; }
    var charts = JSON.parse(source.textContent);
    document.querySelectorAll(".wm-chart").forEach(function (el) {
      var spec = charts[Number(el.dataset.chartIndex)];
      if (!spec) { return; }
      var chart = echarts.init(el, null, { renderer: "svg" });
      var option;
      if (spec.kind === "bar") {
        option = {
          tooltip: {},
          grid: { left: 8, right: 8, bottom: 8, containLabel: true },
          xAxis: { type: "category", data: spec.data.map(function (d) { return d.name; }) },
          yAxis: { type: "value", minInterval: 1 },
          series: [{ type: "bar", data: spec.data }]
        };
      } else {
        option = {
          tooltip: { trigger: "item", formatter: "{b}：{c}（{d}%）" },
          // Empty slices only clutter the labels; the list under the chart still shows them.
          series: [{
            type: "pie", radius: ["35%", "70%"], label: { formatter: "{b} {c}" },
            data: spec.data.filter(function (d) { return d.value > 0; })
          }]
        };
      }
      chart.setOption(option);
      chart.on("click", function (params) {
        if (params.data && params.data.href) { window.location.href = params.data.href; }
      });
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", render);
  } else {
    render();
  }
})();
