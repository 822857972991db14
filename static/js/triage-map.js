/* Map of the triage list (and of one finding): points from the embedded JSON. */
import { L, createMap, ratingColour, showDefaultView, toLatLngs } from "./map.js";

const el = document.getElementById("triage-map");
const dataEl = document.getElementById("triage-map-data");

function text(value) {
  const span = document.createElement("span");
  span.textContent = value == null ? "" : String(value);
  return span.innerHTML;
}

function show(data) {
  const map = createMap(el, { attributionControl: true });
  showDefaultView(map);
  let bounds = [];
  if (data.route && data.route.coordinates) {
    const path = toLatLngs(data.route.coordinates);
    L.polyline(path, { color: "#0b3d2e", weight: 4, opacity: 0.7 }).addTo(map);
    bounds = bounds.concat(path);
  }
  // The popup also says the rating in words, so colour is not the only cue.
  (data.points || []).forEach(function (p) {
    const marker = L.circleMarker([p.lat, p.lon], {
      radius: 9, color: "#000", weight: 1, fillColor: ratingColour(p.rating), fillOpacity: 0.9,
    }).addTo(map);
    const name = data.locale === "en" ? p.name_en : p.name_da;
    let html = "<strong>" + text(name) + "</strong>";
    if (p.rating != null) html += "<br>" + text(data.labels.rating) + ": " + text(p.rating + " – " + (data.labels.ratings || [])[p.rating]);
    if (p.description) html += "<br>" + text(p.description);
    if (data.detail) {
      const url = data.detail.replace("00000000-0000-0000-0000-000000000000", encodeURIComponent(p.id));
      html += '<br><a href="' + url + '">' + text(data.labels.open) + "</a>";
    }
    marker.bindPopup(html);
    bounds.push([p.lat, p.lon]);
  });
  if (bounds.length === 1) map.setView(bounds[0], 18);
  else if (bounds.length > 1) map.fitBounds(bounds, { padding: [24, 24], maxZoom: 18 });
  return map;
}

/* The map, for finding-place.js to add the correction pin to (null on a page without one). */
export const triageMap = el && dataEl ? show(JSON.parse(dataEl.textContent)) : null;
