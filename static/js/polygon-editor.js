/* Draw an estate boundary (the shared shape editor).
 *
 * The result is written as a GeoJSON Polygon (closed ring, [lon, lat] positions) into the hidden
 * input named by the map's data-input attribute. 0 corners → "" (no boundary); 1–2 corners are
 * still written, so the server can explain that a boundary needs 3 points instead of silently
 * dropping the drawing.
 */
import { L, createMap, showDefaultView, toLatLngs, toPosition } from "./map.js";
import { shapeEditor } from "./shape-editor.js";

const mapEl = document.getElementById("boundary-map");
if (mapEl) start();

// GeoJSON Polygon → Leaflet corners of its outer ring (without the closing point).
function fromGeoJSON(text) {
  try {
    const geom = text ? JSON.parse(text) : null;
    const corners = geom && geom.type === "Polygon" && geom.coordinates ? toLatLngs(geom.coordinates[0]) : [];
    const n = corners.length;
    if (n > 1 && corners[0][0] === corners[n - 1][0] && corners[0][1] === corners[n - 1][1]) corners.pop();
    return corners;
  } catch (e) {
    return [];
  }
}

function start() {
  const input = document.getElementById(mapEl.dataset.input);
  const statusEl = document.getElementById(mapEl.dataset.status);
  const map = createMap(mapEl, { doubleClickZoom: false, attributionControl: true });
  const cornerIcon = L.divIcon({ className: "polygon-corner", iconSize: [28, 28], iconAnchor: [14, 14] });
  let shape = null;

  function showStatus(count) {
    if (!statusEl) return;
    if (!count) statusEl.textContent = statusEl.dataset.none;
    else if (count < 3) statusEl.textContent = statusEl.dataset.few;
    else statusEl.textContent = statusEl.dataset.count.replace("{count}", count);
  }

  function draw(points) {
    if (shape) map.removeLayer(shape);
    shape = null;
    if (points.length >= 3) {
      shape = L.polygon(points, { color: "#0b3d2e", weight: 3, fillOpacity: 0.15 }).addTo(map);
    } else if (points.length === 2) {
      shape = L.polyline(points, { color: "#0b3d2e", weight: 3, dashArray: "6 6" }).addTo(map);
    }
  }

  // Only after the admin changes the drawing: an untouched stored boundary (which may have
  // holes the editor does not show) is sent back exactly as it was.
  function write(points) {
    let value = "";
    if (points.length) {
      const ring = points.map(toPosition);
      ring.push([ring[0][0], ring[0][1]]); // GeoJSON rings are closed
      value = JSON.stringify({ type: "Polygon", coordinates: [ring] });
    }
    input.value = value;
    showStatus(points.length);
  }

  const editor = shapeEditor({
    map: map,
    points: fromGeoJSON(input.value),
    handleIcon: function () { return cornerIcon; },
    handleTitle: function (index) { return String(index + 1); },
    draw: draw,
    changed: write,
  });

  document.querySelectorAll("[data-polygon-action]").forEach(function (button) {
    button.addEventListener("click", function () {
      if (button.dataset.polygonAction === "undo") editor.undo();
      else if (button.dataset.polygonAction === "clear") editor.clear();
    });
  });

  const points = editor.points();
  showStatus(points.length);
  if (points.length >= 2) map.fitBounds(L.latLngBounds(points), { padding: [24, 24], maxZoom: 18 });
  else showDefaultView(map);
}
