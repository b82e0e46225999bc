/* The carrier map (载体地图): the carriers' own parcels as the map (registerMap with the GeoJSON the
   page passes in #carrier-map-data through json_script), and their centroids as points colored by
   kind. No tiles, no online key: everything is on the page. A click opens the carrier. Tooltips
   are drawn on the canvas (renderMode "richText") so the Content-Security-Policy holds. */
(function () {
  "use strict";

  function start() {
    var el = document.getElementById("carrier-map-data");
    var box = document.getElementById("carrier-map");
    if (!el || !box || !window.echarts) return;
    var data = JSON.parse(el.textContent);
    box.style.height = "560px";
    var chart = window.echarts.init(box);
    var series = [];
    var geo;
    if (data.geojson.features.length) {
      window.echarts.registerMap("carriers", data.geojson);
      var regions = data.points.filter(function (p) { return p.polygon; }).map(function (p) {
        return { name: p.region, itemStyle: { areaColor: p.color, opacity: 0.55 } };
      });
      geo = { map: "carriers", roam: true, regions: regions, label: { show: false },
              itemStyle: { areaColor: "#eee", borderColor: "#555" }, emphasis: { label: { show: false } } };
    }
    series.push({
      type: "scatter",
      coordinateSystem: "geo",
      symbolSize: 12,
      data: data.points.map(function (p) {
        return { name: p.name, value: p.value, url: p.url, kind: p.kind, status: p.status, area: p.area,
                 itemStyle: { color: p.color } };
      })
    });
    chart.setOption({
      tooltip: { renderMode: "richText", formatter: function (p) {
        var d = p.data || {};
        return d.name ? d.name + "\n" + d.kind + " · " + d.status + "\n" + d.area : "";
      } },
      geo: geo,
      series: series
    });
    chart.on("click", function (p) {
      if (p.data && p.data.url) window.location.href = p.data.url;
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
