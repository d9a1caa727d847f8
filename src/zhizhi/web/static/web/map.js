// Leaflet maps: the grid map (polygons shaded by open cases, clustered case markers), the case's
// location on its detail page, and the point picker of the field report form. No base tiles
// unless the deployment configures a tile URL (ZHIZHI_MAP_TILE_URL).
(function () {
  "use strict";
  if (!window.L) return;

  var COLORS = ["#f1f5f9", "#fde68a", "#fbbf24", "#f97316", "#dc2626"];
  function shade(n) { return n <= 0 ? COLORS[0] : n <= 2 ? COLORS[1] : n <= 5 ? COLORS[2] : n <= 10 ? COLORS[3] : COLORS[4]; }
  function esc(s) { return String(s).replace(/[&<>"']/g, function (c) { return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]; }); }

  function baseMap(el) {
    var map = L.map(el, { zoomSnap: 0.25, preferCanvas: true, minZoom: 5, maxZoom: 19 });
    map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
    if (el.dataset.tileUrl) {
      L.tileLayer(el.dataset.tileUrl, { maxZoom: 19, attribution: el.dataset.tileAttribution || "" }).addTo(map);
    }
    map.setView([29.75, 122.1], 12);
    return map;
  }
  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (r) {
      if (!r.ok) throw new Error(r.status);
      return r.json();
    });
  }

  // --- The grid map --------------------------------------------------------------------------
  function gridMap(el) {
    var map = baseMap(el);
    var status = document.querySelector("[data-map-status]");
    var layers = { village: L.featureGroup(), grid: L.featureGroup(), micro_grid: L.featureGroup() };
    var control = L.control.layers(null, null, { collapsed: window.innerWidth < 576 }).addTo(map);
    getJSON(el.dataset.regionsUrl).then(function (fc) {
      fc.features.forEach(function (f) {
        var p = f.properties, lv = p.level;
        var style = lv === "village"
          ? { color: "#334155", weight: 2.5, fill: false }
          : lv === "grid"
            ? { color: "#475569", weight: 1.2, fillColor: shade(p.open), fillOpacity: 0.65 }
            : { color: "#64748b", weight: 0.6, dashArray: "3 3", fillColor: shade(p.open), fillOpacity: 0.55 };
        var layer = L.geoJSON(f, { style: style });
        layer.bindPopup("<strong>" + esc(p.name) + "</strong><br>在办 " + p.open + " 件<br><a href=\"" + esc(p.url) + "\">查看工单</a>");
        layer.bindTooltip(esc(p.name) + "：" + p.open, { sticky: true });
        if (layers[lv]) layers[lv].addLayer(layer);
      });
      control.addOverlay(layers.village, "村社边界");
      control.addOverlay(layers.grid, "网格");
      control.addOverlay(layers.micro_grid, "微网格");
      var grids = layers.grid.getLayers().length;
      (grids ? layers.grid : layers.micro_grid).addTo(map);
      if (grids && grids <= 3) layers.micro_grid.addTo(map);  // a grid worker: show the micro-grids too
      layers.village.addTo(map);
      if (grids <= 3) {  // few polygons: name them on the map
        layers.micro_grid.eachLayer(function (l) { l.eachLayer(function (p) { p.unbindTooltip(); p.bindTooltip(esc(p.feature.properties.name) + "：" + p.feature.properties.open, { permanent: true, direction: "center", className: "region-label" }); }); });
      }
      var all = L.featureGroup([layers.village, layers.grid, layers.micro_grid]);
      if (all.getBounds().isValid()) map.fitBounds(all.getBounds(), { padding: [10, 10] });
      return getJSON(el.dataset.casesUrl);
    }).then(function (data) {
      var group = L.markerClusterGroup ? L.markerClusterGroup({ showCoverageOnHover: false, maxClusterRadius: 45 }) : L.featureGroup();
      data.cases.forEach(function (c) {
        var m = L.circleMarker([c.lat, c.lon], { radius: 6, color: "#fff", weight: 1.5, fillColor: c.overdue ? "#dc2626" : "#2563eb", fillOpacity: 0.95 });
        if (L.markerClusterGroup) m = L.marker([c.lat, c.lon], { title: "#" + c.id + " " + c.title, alt: c.title });
        m.bindPopup("<a href=\"" + esc(c.url) + "\">#" + c.id + " " + esc(c.title) + "</a><br>" + esc(c.status) + (c.overdue ? " · <b style=\"color:#dc2626\">超期</b>" : ""));
        group.addLayer(m);
      });
      group.addTo(map);
      control.addOverlay(group, "工单");
      if (status) status.textContent = "在办网格着色；工单标记 " + data.shown + " 件" + (data.count > data.shown ? "（共 " + data.count + " 件，仅显示最新的 " + data.shown + " 件）" : "") + "。";
      el.dataset.loaded = "1";
    }).catch(function (e) {
      if (window.console) console.error(e);
      if (status) status.textContent = "地图数据加载失败，请刷新重试。";
    });
  }

  // --- A case's location -----------------------------------------------------------------------
  function pointMap(el) {
    var lat = parseFloat(el.dataset.lat), lon = parseFloat(el.dataset.lon);
    var map = baseMap(el);
    L.circleMarker([lat, lon], { radius: 8, color: "#fff", weight: 2, fillColor: "#c4161c", fillOpacity: 1 }).addTo(map);
    map.setView([lat, lon], 15);
    getJSON(el.dataset.regionsUrl).then(function (fc) {
      fc.features.filter(function (f) { return f.properties.code === el.dataset.region; }).forEach(function (f) {
        var g = L.geoJSON(f, { style: { color: "#475569", weight: 1.5, fillOpacity: 0.08 } }).addTo(map);
        map.fitBounds(g.getBounds().extend([lat, lon]), { padding: [12, 12], maxZoom: 16 });
      });
    }).catch(function () {});
  }

  // --- Pick a point (field report) ------------------------------------------------------------
  function pickMap(el) {
    var map = baseMap(el), marker = null;
    var form = el.closest("form");
    var lonIn = form.querySelector("input[name=lon]"), latIn = form.querySelector("input[name=lat]");
    function set(lon, lat, label) {
      lonIn.value = lon.toFixed(6); latIn.value = lat.toFixed(6);
      if (marker) marker.setLatLng([lat, lon]); else marker = L.marker([lat, lon], { keyboard: false }).addTo(map);
      var s = form.querySelector("[data-loc-status]");
      if (s) s.textContent = (label || "已选位置") + "：" + lon.toFixed(5) + ", " + lat.toFixed(5);
    }
    window.zzPickMap = { setPoint: function (lon, lat, label) { set(lon, lat, label); map.setView([lat, lon], Math.max(map.getZoom(), 15)); } };
    map.on("click", function (e) { set(e.latlng.lng, e.latlng.lat, "已在地图上选点"); });
    getJSON(el.dataset.regionsUrl).then(function (fc) {
      var g = L.geoJSON(fc, {
        filter: function (f) { return f.properties.level !== "micro_grid"; },
        style: function (f) { return { color: "#475569", weight: f.properties.level === "village" ? 2 : 1, fillOpacity: 0.05 }; },
        onEachFeature: function (f, layer) {
          layer.bindTooltip(esc(f.properties.name), { sticky: true });
          layer.on("click", function (e) { set(e.latlng.lng, e.latlng.lat, "已在地图上选点"); });
        }
      }).addTo(map);
      if (lonIn.value && latIn.value) window.zzPickMap.setPoint(parseFloat(lonIn.value), parseFloat(latIn.value));
      else if (g.getBounds().isValid()) map.fitBounds(g.getBounds(), { padding: [8, 8] });
    }).catch(function () {});
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-grid-map]").forEach(gridMap);
    document.querySelectorAll("[data-point-map]").forEach(pointMap);
    document.querySelectorAll("[data-pick-map]").forEach(pickMap);
  });
})();
