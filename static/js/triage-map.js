/* Map of the triage list (compact points fetched from the list's filters, clustered, each
 * popup loaded when opened) and of one finding (its point embedded in the page). */
import { L, createMap, ratingColour, showDefaultView, toLatLngs } from "./map.js";
import { fetchJson } from "./fetch-json.js";

const el = document.getElementById("triage-map");
const dataEl = document.getElementById("triage-map-data");
const NO_ID = "00000000-0000-0000-0000-000000000000";

function text(value) {
  const span = document.createElement("span");
  span.textContent = value == null ? "" : String(value);
  return span.innerHTML;
}

function ratingLine(labels, rating) {
  if (rating == null) return "";
  return "<br>" + text(labels.rating) + ": " + text(rating + " – " + (labels.ratings || [])[rating]);
}

function marker(lat, lon, rating) {
  return L.circleMarker([lat, lon], {
    radius: 9, color: "#000", weight: 1, fillColor: ratingColour(rating), fillOpacity: 0.9,
  });
}

/* "0123…" (32 hex digits) → the dashed form the finding URLs use. */
function dashed(hex) {
  return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join("-");
}

/* The popup of a list point: category, rating, text and link, asked of the server on opening. */
function loadPopup(data, layer, id) {
  fetchJson(data.popup.replace(NO_ID, encodeURIComponent(id))).then(function (p) {
    let html = "<strong>" + text(p.category) + "</strong>" + ratingLine(data.labels, p.rating);
    if (p.description) html += "<br>" + text(p.description);
    html += '<br><a href="' + text(p.url) + '">' + text(data.labels.open) + "</a>";
    layer.setPopupContent(html);
  }).catch(function () {
    // Offline or refused: the link to the finding still works (its page says why).
    const url = data.detail.replace(NO_ID, encodeURIComponent(id));
    layer.setPopupContent('<a href="' + text(url) + '">' + text(data.labels.open) + "</a>");
  });
}

/* The list's points in one cluster layer, added once the map shows them all (clusters are
 * drawn for the zoom it is added at). */
function addListPoints(map, data, answer, bounds) {
  const cluster = L.markerClusterGroup({ maxClusterRadius: 40, disableClusteringAtZoom: 19 });
  answer.points.forEach(function (p) {
    // [id hex, lat µ°, lon µ°, category index, state index, rating]
    const id = dashed(p[0]);
    const lat = p[1] / 1e6;
    const lon = p[2] / 1e6;
    const layer = marker(lat, lon, p[5]).bindPopup("…");
    let asked = false;
    layer.on("popupopen", function () {
      if (!asked) { asked = true; loadPopup(data, layer, id); }
    });
    cluster.addLayer(layer);
    bounds.push([lat, lon]);
  });
  fit(map, bounds);
  cluster.addTo(map);
}

function fit(map, bounds) {
  if (bounds.length === 1) map.setView(bounds[0], 18, { animate: false });
  else if (bounds.length > 1) map.fitBounds(bounds, { padding: [24, 24], maxZoom: 18, animate: false });
}

function show(data) {
  // markercluster needs the map's maxZoom, which only a tile layer would otherwise give.
  const map = createMap(el, { attributionControl: true, maxZoom: 19 });
  showDefaultView(map);
  let bounds = [];
  if (data.route && data.route.coordinates) {
    const path = toLatLngs(data.route.coordinates);
    L.polyline(path, { color: "#0b3d2e", weight: 4, opacity: 0.7 }).addTo(map);
    bounds = bounds.concat(path);
  }
  if (data.pointsUrl) {
    fetchJson(data.pointsUrl).then(function (answer) {
      addListPoints(map, data, answer, bounds);
      el.dataset.points = String(answer.points.length);
    });
    return map;
  }
  // The popup also says the rating in words, so colour is not the only cue.
  (data.points || []).forEach(function (p) {
    const name = data.locale === "en" ? p.name_en : p.name_da;
    let html = "<strong>" + text(name) + "</strong>" + ratingLine(data.labels, p.rating);
    if (p.description) html += "<br>" + text(p.description);
    marker(p.lat, p.lon, p.rating).addTo(map).bindPopup(html);
    bounds.push([p.lat, p.lon]);
  });
  fit(map, bounds);
  return map;
}

/* The map, for finding-place.js to add the correction pin to (null on a page without one). */
export const triageMap = el && dataEl ? show(JSON.parse(dataEl.textContent)) : null;
