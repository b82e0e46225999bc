/* Draws the dashboard's charts from the specs the page passes in #dashboard-charts (json_script).
   A click on a bar, line point or funnel stage opens the list of exactly the records behind it
   (the same link as in the table under the chart). Nothing is fetched from outside the site:
   ECharts and the China map are served from the package's static files. Tooltips are drawn on the
   canvas (renderMode "richText"): ECharts' HTML tooltips carry style="" attributes, which the
   Content-Security-Policy (style-src 'self') refuses. */
(function () {
  "use strict";
  var script = document.currentScript;
  var mapUrl = script && script.getAttribute("data-map");

  function start() {
    var el = document.getElementById("dashboard-charts");
    if (!el || !window.echarts) return;
    var specs = JSON.parse(el.textContent);
    var charts = [];
    var mapReady = null;

    function loadMap() {
      if (!mapReady) {
        mapReady = fetch(mapUrl, { credentials: "same-origin" })
          .then(function (r) { return r.json(); })
          .then(function (geo) { window.echarts.registerMap("china", geo); });
      }
      return mapReady;
    }

    function cartesian(spec) {
      var horizontal = !!spec.horizontal;
      var category = { type: "category", data: spec.categories, axisLabel: { interval: horizontal ? 0 : "auto", hideOverlap: true, width: 110, overflow: "truncate" } };
      var axes = (spec.axes || [spec.unit || ""]).map(function (name) {
        var axis = { type: "value", name: name, minInterval: name === "个" ? 1 : 0 };
        // A target done eight times over would flatten every other bar: percentages stop at 200.
        if (name === "%") axis.max = function (v) { return Math.min(Math.max(v.max, 100), 200); };
        return axis;
      });
      var series = spec.series.map(function (s) {
        return { name: s.name, type: s.type || "bar", data: s.data, yAxisIndex: horizontal ? 0 : s.axis || 0, cursor: s.links ? "pointer" : "default" };
      });
      return {
        tooltip: { trigger: "axis", confine: true, renderMode: "richText" },
        legend: { top: 0, type: "scroll" },
        grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
        xAxis: horizontal ? axes[0] : category,
        yAxis: horizontal ? category : axes,
        series: series
      };
    }

    function option(spec) {
      if (spec.type === "funnel") {
        return {
          tooltip: { trigger: "item", formatter: "{b}：{c} 个", renderMode: "richText" },
          series: [{ type: "funnel", sort: "none", minSize: "8%", left: "5%", width: "90%", top: 8, bottom: 8,
                     label: { position: "inside", formatter: "{b} {c}" }, data: spec.data }]
        };
      }
      if (spec.type === "map") {
        var max = spec.data.reduce(function (m, d) { return Math.max(m, d.value); }, 1);
        return {
          tooltip: { trigger: "item", renderMode: "richText", formatter: function (p) { return p.name + "：" + (p.value || 0) + " 个项目"; } },
          visualMap: { min: 0, max: max, left: 0, bottom: 0, calculable: true, text: ["多", "少"], itemHeight: 80 },
          series: [{ type: "map", map: "china", roam: false, data: spec.data }]
        };
      }
      return cartesian(spec);
    }

    function draw(node, spec) {
      if (spec.horizontal) {
        // One readable row per bar, however many targets or teams there are.
        node.style.height = Math.max(240, 70 + 28 * spec.categories.length) + "px";
      }
      var chart = window.echarts.init(node, null, { renderer: "canvas" });
      chart.setOption(option(spec));
      chart.on("click", function (p) {
        var links = spec.type === "funnel" ? spec.links : (spec.series && spec.series[p.seriesIndex] || {}).links;
        var href = links && links[p.dataIndex];
        if (href) window.location.href = href;
      });
      charts.push(chart);
    }

    specs.forEach(function (spec) {
      var node = document.querySelector('[data-chart="' + spec.key + '"]');
      if (!node) return;
      if (spec.type === "map") {
        loadMap().then(function () { draw(node, spec); }, function () {
          node.textContent = "地图未能加载，请查看下方数据。";
        });
      } else {
        draw(node, spec);
      }
    });
    window.addEventListener("resize", function () {
      charts.forEach(function (c) { c.resize(); });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
