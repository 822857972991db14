/* Read-only map of a walk: route, meeting point and findings.
 *
 * Findings come in route order with their number on the walk; a dismissed or duplicate one
 * (`set_aside`) is drawn grey, under the others, and its popup says why (`note`).
 *
 * Data comes from the JSON blob <script type="application/json" id="walk-map-data"> (never
 * from user text inlined into JS). Popups are built with textContent, so descriptions typed
 * by participants cannot inject markup. Works without a tile URL (plain background).
 */
import { GOOD_PLACE_COLOUR, L, createMap, meetingIcon, ratingColour, showDefaultView, toLatLngs } from "./map.js";

// The grey of a dismissed or duplicate finding (the follow-up map's "dismissed" grey).
const SET_ASIDE_COLOUR = "#bdbdbd";

const mapEl = document.getElementById("walk-map");
const dataEl = document.getElementById("walk-map-data");
if (mapEl && dataEl) show(JSON.parse(dataEl.textContent) || {});

function popup(lines) {
  const box = document.createElement("div");
  lines.forEach(function (text, index) {
    if (!text) return;
    const el = document.createElement(index === 0 ? "strong" : "p");
    el.textContent = text;
    if (index > 0) el.style.margin = "4px 0 0";
    box.appendChild(el);
  });
  return box;
}

function show(data) {
  const map = createMap(mapEl, { attributionControl: true });
  const bounds = L.latLngBounds([]);

  const route = data.route;
  if (route && route.type === "LineString") {
    const path = toLatLngs(route.coordinates);
    if (path.length) {
      L.polyline(path, { color: "#c0392b", weight: 5, opacity: 0.9 }).addTo(map);
      L.circleMarker(path[0], { radius: 8, color: "#fff", weight: 3, fillColor: "#0a6b2d", fillOpacity: 1 }).addTo(map);
      path.forEach(function (p) { bounds.extend(p); });
    }
  }

  if (data.meeting && isFinite(data.meeting.lat) && isFinite(data.meeting.lon)) {
    const meeting = L.marker([data.meeting.lat, data.meeting.lon], { icon: meetingIcon(), keyboard: false }).addTo(map);
    meeting.bindPopup(popup([(data.labels && data.labels.meeting) || "", data.meeting.label || ""]));
    bounds.extend([data.meeting.lat, data.meeting.lon]);
  }

  // Set-aside findings first, so the ones that still count are drawn on top of them.
  const findings = (data.findings || []).slice().sort(function (a, b) { return (b.set_aside ? 1 : 0) - (a.set_aside ? 1 : 0); });
  findings.forEach(function (f) {
    if (!isFinite(f.lat) || !isFinite(f.lon)) return;
    const style = f.set_aside
      ? { radius: 8, color: "#777", weight: 2, dashArray: "3 2", fillColor: SET_ASIDE_COLOUR, fillOpacity: 0.9, className: "finding-marker set-aside" }
      : f.good
        ? { radius: 9, color: "#0b3d2e", weight: 3, fillColor: GOOD_PLACE_COLOUR, fillOpacity: 0.95, className: "finding-marker good-place" }
        : { radius: 9, color: "#fff", weight: 2, fillColor: ratingColour(f.rating), fillOpacity: 0.95, className: "finding-marker" };
    const title = (f.number ? "#" + f.number + " " : "") + (f.category || "");
    L.circleMarker([f.lat, f.lon], style)
      .bindPopup(popup([title, f.note || "", f.description || ""]))
      .addTo(map);
    bounds.extend([f.lat, f.lon]);
  });

  if (bounds.isValid()) map.fitBounds(bounds, { padding: [30, 30], maxZoom: 18 });
  else showDefaultView(map);
}
