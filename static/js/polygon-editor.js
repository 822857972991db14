/* Draw an estate boundary on a Leaflet map.
 *
 * Tap the map to add a corner, drag a corner to move it, Undo reverts the last change,
 * Clear removes every corner. The result is written as a GeoJSON Polygon (closed ring,
 * [lon, lat] positions) into the hidden input named by the map's data-input attribute.
 * 0 corners → "" (no boundary); 1–2 corners are still written, so the server can explain
 * that a boundary needs 3 points instead of silently dropping the drawing.
 */
(function () {
  "use strict";

  var mapEl = document.getElementById("boundary-map");
  if (!mapEl || typeof L === "undefined") return;
  var input = document.getElementById(mapEl.dataset.input);
  var statusEl = document.getElementById(mapEl.dataset.status);
  var settings = {};
  try {
    settings = JSON.parse(document.getElementById("map-settings").textContent);
  } catch (e) { /* defaults below */ }

  var map = L.map(mapEl, { zoomControl: true, doubleClickZoom: false });
  if (settings.tileUrl) {
    L.tileLayer(settings.tileUrl, { attribution: settings.attribution || "", maxZoom: 19 }).addTo(map);
  }

  var points = [];     // [[lat, lng], …] — Leaflet order while drawing
  var history = [];    // earlier states of `points`, for Undo
  var markers = [];
  var shape = null;

  var cornerIcon = L.divIcon({ className: "polygon-corner", iconSize: [28, 28], iconAnchor: [14, 14] });

  function copy(list) {
    return list.map(function (p) { return [p[0], p[1]]; });
  }

  function remember() {
    history.push(copy(points));
    if (history.length > 200) history.shift();
  }

  // GeoJSON [lon, lat] ring → Leaflet [lat, lng] corners (without the closing point).
  function fromGeoJSON(text) {
    if (!text) return [];
    try {
      var geom = JSON.parse(text);
      var ring = geom && geom.type === "Polygon" && geom.coordinates && geom.coordinates[0];
      if (!Array.isArray(ring)) return [];
      var corners = ring.map(function (p) { return [Number(p[1]), Number(p[0])]; })
        .filter(function (p) { return isFinite(p[0]) && isFinite(p[1]); });
      var n = corners.length;
      if (n > 1 && corners[0][0] === corners[n - 1][0] && corners[0][1] === corners[n - 1][1]) {
        corners.pop();
      }
      return corners;
    } catch (e) {
      return [];
    }
  }

  function toGeoJSON() {
    if (!points.length) return "";
    var ring = points.map(function (p) { return [round(p[1]), round(p[0])]; });
    ring.push([ring[0][0], ring[0][1]]);   // GeoJSON rings are closed
    return JSON.stringify({ type: "Polygon", coordinates: [ring] });
  }

  // 7 decimals ≈ 1 cm: enough for a boundary, and keeps the form small.
  function round(value) {
    return Math.round(value * 1e7) / 1e7;
  }

  // Only after the admin changes the drawing: an untouched stored boundary (which may have
  // holes the editor does not show) is sent back exactly as it was.
  function write() {
    input.value = toGeoJSON();
    showStatus();
  }

  function showStatus() {
    if (statusEl) {
      if (!points.length) statusEl.textContent = statusEl.dataset.none;
      else if (points.length < 3) statusEl.textContent = statusEl.dataset.few;
      else statusEl.textContent = statusEl.dataset.count.replace("{count}", points.length);
    }
  }

  function redraw() {
    markers.forEach(function (m) { map.removeLayer(m); });
    markers = [];
    if (shape) map.removeLayer(shape);
    shape = null;
    if (points.length >= 3) {
      shape = L.polygon(points, { color: "#0b3d2e", weight: 3, fillOpacity: 0.15 }).addTo(map);
    } else if (points.length === 2) {
      shape = L.polyline(points, { color: "#0b3d2e", weight: 3, dashArray: "6 6" }).addTo(map);
    }
    points.forEach(function (p, index) {
      var marker = L.marker(p, { icon: cornerIcon, draggable: true, keyboard: false,
        title: String(index + 1) }).addTo(map);
      marker.on("dragstart", remember);
      marker.on("drag", function (event) {
        var ll = event.target.getLatLng();
        points[index] = [ll.lat, ll.lng];
        if (shape) shape.setLatLngs(points);
      });
      marker.on("dragend", function () { redraw(); write(); });
      markers.push(marker);
    });
  }

  map.on("click", function (event) {
    remember();
    points.push([event.latlng.lat, event.latlng.lng]);
    redraw();
    write();
  });

  document.querySelectorAll("[data-polygon-action]").forEach(function (button) {
    button.addEventListener("click", function () {
      var action = button.dataset.polygonAction;
      if (action === "undo" && history.length) {
        points = history.pop();
        redraw();
        write();
      } else if (action === "clear" && points.length) {
        remember();
        points = [];
        redraw();
        write();
      }
    });
  });

  points = fromGeoJSON(input.value);
  redraw();
  showStatus();
  if (points.length >= 2) {
    map.fitBounds(L.latLngBounds(points), { padding: [24, 24], maxZoom: 18 });
  } else {
    map.setView(settings.center || [55.6761, 12.5683], settings.zoom || 12);
  }
})();
