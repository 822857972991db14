/* Read-only map of a walk: route, meeting point and findings.
 *
 * Data comes from the JSON blob <script type="application/json" id="walk-map-data"> (never
 * from user text inlined into JS). Popups are built with textContent, so descriptions typed
 * by participants cannot inject markup. Works without a tile URL (plain background).
 */
(function () {
  "use strict";

  var mapEl = document.getElementById("walk-map");
  var dataEl = document.getElementById("walk-map-data");
  if (!mapEl || !dataEl || typeof L === "undefined") return;

  var settings = {};
  var data = {};
  try { settings = JSON.parse(document.getElementById("map-settings").textContent) || {}; } catch (e) { /* defaults */ }
  try { data = JSON.parse(dataEl.textContent) || {}; } catch (e) { return; }

  var map = L.map(mapEl, { zoomControl: true });
  // The "Leaflet" prefix link is a tiny tap target; the tile attribution itself stays.
  map.attributionControl.setPrefix(false);
  if (settings.tileUrl) {
    L.tileLayer(settings.tileUrl, { attribution: settings.attribution || "", maxZoom: 19 }).addTo(map);
  }

  // 0 = very unsafe … 3 = safe; no rating → neutral blue.
  var RATING_COLOURS = ["#a4001d", "#d35400", "#b7950b", "#0a6b2d"];
  var bounds = L.latLngBounds([]);

  function popup(lines) {
    var box = document.createElement("div");
    lines.forEach(function (text, index) {
      if (!text) return;
      var el = document.createElement(index === 0 ? "strong" : "p");
      el.textContent = text;
      if (index > 0) el.style.margin = "4px 0 0";
      box.appendChild(el);
    });
    return box;
  }

  var route = data.route;
  if (route && route.type === "LineString" && Array.isArray(route.coordinates)) {
    var path = route.coordinates.map(function (p) { return [p[1], p[0]]; });
    if (path.length) {
      L.polyline(path, { color: "#c0392b", weight: 5, opacity: 0.9 }).addTo(map);
      L.circleMarker(path[0], { radius: 8, color: "#fff", weight: 3, fillColor: "#0a6b2d", fillOpacity: 1 }).addTo(map);
      path.forEach(function (p) { bounds.extend(p); });
    }
  }

  if (data.meeting && isFinite(data.meeting.lat) && isFinite(data.meeting.lon)) {
    var icon = L.divIcon({ className: "meeting-marker", html: "<span>M</span>", iconSize: [48, 48], iconAnchor: [24, 24] });
    var meeting = L.marker([data.meeting.lat, data.meeting.lon], { icon: icon, keyboard: false }).addTo(map);
    meeting.bindPopup(popup([(data.labels && data.labels.meeting) || "", data.meeting.label || ""]));
    bounds.extend([data.meeting.lat, data.meeting.lon]);
  }

  (data.findings || []).forEach(function (f) {
    if (!isFinite(f.lat) || !isFinite(f.lon)) return;
    var colour = f.rating === null || f.rating === undefined ? "#1f4e9c" : RATING_COLOURS[f.rating] || "#1f4e9c";
    L.circleMarker([f.lat, f.lon], { radius: 9, color: "#fff", weight: 2, fillColor: colour, fillOpacity: 0.95 })
      .bindPopup(popup([f.category || "", f.description || ""]))
      .addTo(map);
    bounds.extend([f.lat, f.lon]);
  });

  if (bounds.isValid()) {
    map.fitBounds(bounds, { padding: [30, 30], maxZoom: 18 });
  } else {
    map.setView(settings.center || [55.6761, 12.5683], settings.zoom || 12);
  }
})();
