/* Draws a chain's segments (the chain map, 招商图谱) from #chain-graph (json_script) with an
   ECharts graph series: upstream on the left, downstream on the right, gaps in red. A click on a
   segment loads the records behind it into #segment-records (htmx.ajax when HTMX is on the page,
   else it follows the link). No inline script, no inline style: CSP-compatible. */
(function () {
  "use strict";
  function start() {
    var data = document.getElementById("chain-graph");
    var el = document.getElementById("chain-map");
    if (!data || !el || !window.echarts) return;
    var spec = JSON.parse(data.textContent);
    var chart = window.echarts.init(el, null, { renderer: "canvas" });
    chart.setOption({
      tooltip: { renderMode: "richText" },
      series: [{
        type: "graph",
        layout: "none",
        roam: true,
        symbol: "roundRect",
        symbolSize: [150, 56],
        edgeSymbol: ["none", "arrow"],
        edgeSymbolSize: 10,
        label: { show: true, formatter: function (p) { return p.data.label; } },
        data: spec.nodes.map(function (n) {
          return {
            id: n.id, name: n.name, x: n.x, y: n.y, label: n.label, url: n.url,
            itemStyle: {
              color: n.gap ? "#f4c7c3" : "#d7ebd9",
              borderColor: n.leader ? "#c9a227" : (n.gap ? "#c0392b" : "#3c8d4f"),
              borderWidth: n.leader ? 4 : 2
            }
          };
        }),
        links: spec.edges,
        lineStyle: { color: "#888", width: 2 }
      }]
    });
    chart.on("click", function (p) {
      if (p.dataType !== "node" || !p.data.url) return;
      if (window.htmx) window.htmx.ajax("GET", p.data.url, { target: "#segment-records" });
      else window.location.href = p.data.url;
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
