// Dashboard charts (ECharts). The tables under each chart stay in the page: they are the data,
// the charts only draw them. Clicking a bar, point or slice opens the case list behind it.
(function () {
  "use strict";
  if (!window.echarts) return;
  document.addEventListener("DOMContentLoaded", function () {
    var node = document.getElementById("chart-data");
    if (!node) return;
    var data = JSON.parse(node.textContent);
    var charts = [];
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var key = el.dataset.chart, kind = el.dataset.chartKind, s = data[key];
      if (!s || !s.values.length) return;
      el.hidden = false;
      var table = document.querySelector("[data-chart-table='" + key + "']");
      if (table) table.open = false;
      var chart = echarts.init(el, null, { renderer: "canvas" });
      var opt;
      if (kind === "pie") {
        opt = { tooltip: { trigger: "item" }, legend: { bottom: 0, type: "scroll" },
          series: [{ type: "pie", radius: ["35%", "65%"], data: s.labels.map(function (l, i) { return { name: l, value: s.values[i] }; }) }] };
      } else if (kind === "hbar") {
        var n = Math.min(s.labels.length, 14);
        opt = { tooltip: { trigger: "axis" }, grid: { left: 8, right: 24, top: 8, bottom: 8, containLabel: true },
          xAxis: { type: "value" }, yAxis: { type: "category", inverse: true, data: s.labels.slice(0, n), axisLabel: { width: 110, overflow: "truncate" } },
          series: [{ type: "bar", data: s.values.slice(0, n), itemStyle: { color: "#c4161c" } }] };
      } else {
        opt = { tooltip: { trigger: "axis" }, grid: { left: 8, right: 16, top: 16, bottom: 8, containLabel: true },
          xAxis: { type: "category", data: s.labels, axisLabel: { hideOverlap: true } }, yAxis: { type: "value", minInterval: 1 },
          dataZoom: s.labels.length > 40 ? [{ type: "inside" }] : [],
          series: [{ type: kind === "line" ? "line" : "bar", data: s.values, areaStyle: kind === "line" ? { opacity: 0.15 } : undefined, itemStyle: { color: "#c4161c" } }] };
      }
      opt.aria = { enabled: true };
      chart.setOption(opt);
      chart.on("click", function (p) {
        var q = s.queries[p.dataIndex];
        if (q !== undefined) window.location.href = data.list_url + "?" + q;
      });
      charts.push(chart);
    });
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  });
})();
