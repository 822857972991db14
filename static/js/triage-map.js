/* Map of the triage list (compact points fetched from the list's filters, clustered, each
 * popup loaded when opened; many findings come as the server's clusters, asked again for
 * each view) and of one finding (its point embedded in the page). */
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

/* Points mode: every point in one markercluster layer, added once its markers are in it
 * (clusters are drawn for the zoom it is added at). */
function pointsLayer(data, answer) {
  const cluster = L.markerClusterGroup({ maxClusterRadius: 40, disableClusteringAtZoom: 19 });
  answer.points.forEach(function (p) {
    // [id hex, lat µ°, lon µ°, category index, state index, rating]
    cluster.addLayer(pointMarker(data, p[0], p[1] / 1e6, p[2] / 1e6, p[5]));
  });
  return cluster;
}

function pointMarker(data, hex, lat, lon, rating) {
  const id = dashed(hex);
  const layer = marker(lat, lon, rating).bindPopup("…");
  let asked = false;
  layer.on("popupopen", function () {
    if (!asked) { asked = true; loadPopup(data, layer, id); }
  });
  return layer;
}

/* "42 fund – Mest utryg: 0 – Meget utryg": a cluster said in words, not by its colour alone. */
function clusterLabel(labels, count, worst) {
  let words = String(labels.cluster || "{count}").replace("{count}", String(count));
  if (worst != null) words += " – " + labels.worst + ": " + worst + " – " + (labels.ratings || [])[worst];
  return words;
}

/* Clusters mode: the server's grid cells, each a round marker with its count, coloured by its
 * worst rating; a click zooms to its findings. A cell of one finding is that finding's point. */
function clustersLayer(map, data, answer) {
  const group = L.layerGroup();
  answer.clusters.forEach(function (c) {
    // [count, mean lat µ°, mean lon µ°, worst rating, [s, w, n, e] µ°, lone finding's id hex]
    const count = c[0];
    const lat = c[1] / 1e6;
    const lon = c[2] / 1e6;
    if (count === 1 && c[5]) { group.addLayer(pointMarker(data, c[5], lat, lon, c[3])); return; }
    const size = count < 10 ? 32 : count < 100 ? 38 : count < 1000 ? 44 : 50;
    const label = clusterLabel(data.labels, count, c[3]);
    const rating = c[3] == null ? "none" : String(Number(c[3]));
    const icon = L.divIcon({
      className: "triage-cluster triage-cluster-r" + rating, iconSize: [size, size],
      html: '<span aria-hidden="true">' + text(count) + "</span>",
    });
    const layer = L.marker([lat, lon], { icon: icon, title: label, keyboard: true });
    layer.on("add", function () {
      const node = layer.getElement();
      if (node) { node.setAttribute("aria-label", label); node.setAttribute("role", "button"); }
    });
    layer.on("click", function () {
      const b = c[4];
      map.fitBounds([[b[0] / 1e6, b[1] / 1e6], [b[2] / 1e6, b[3] / 1e6]], { padding: [32, 32], maxZoom: 19 });
    });
    group.addLayer(layer);
  });
  return group;
}

/* The view as the bbox parameter (w,s,e,n), inside the ranges the server accepts (a world
 * view wraps past ±180°). */
function bboxParam(map) {
  const b = map.getBounds();
  const clamp = function (v, lim) { return Math.max(-lim, Math.min(lim, v)).toFixed(6); };
  return [clamp(b.getWest(), 180), clamp(b.getSouth(), 90), clamp(b.getEast(), 180), clamp(b.getNorth(), 90)].join(",");
}

/* The list's findings: first all of them, fitted; when they came as clusters, each move of
 * the map (debounced) asks again for its view and redraws, points once few enough. */
function showList(map, data, bounds) {
  let layer = null;
  let asked = 0;
  let popupOpen = false;
  function draw(answer) {
    if (layer) map.removeLayer(layer);
    layer = answer.mode === "clusters" ? clustersLayer(map, data, answer) : pointsLayer(data, answer);
    layer.addTo(map);
    el.dataset.mode = answer.mode;
    el.dataset.total = String(answer.total);
    el.dataset.points = String(answer.mode === "points" ? answer.points.length : 0);
    el.dataset.draws = String(Number(el.dataset.draws || 0) + 1);
  }
  fetchJson(data.pointsUrl).then(function (answer) {
    const e = answer.extent;
    if (e) bounds.push([e[0] / 1e6, e[1] / 1e6], [e[2] / 1e6, e[3] / 1e6]);
    fit(map, bounds);
    draw(answer);
    if (answer.mode !== "clusters") return;  // every point is on the map already
    const join = data.pointsUrl.indexOf("?") < 0 ? "?" : "&";
    let timer = null;
    map.on("popupopen", function () { popupOpen = true; });
    map.on("popupclose", function () { popupOpen = false; });
    map.on("moveend", function () {
      // A popup's own pan must not redraw the marker it belongs to.
      if (popupOpen) return;
      clearTimeout(timer);
      timer = setTimeout(function () {
        const mine = ++asked;
        fetchJson(data.pointsUrl + join + "bbox=" + encodeURIComponent(bboxParam(map))).then(function (next) {
          if (mine === asked) draw(next);  // an older answer arriving late is dropped
        }).catch(function () { /* offline: keep what is drawn */ });
      }, 250);
    });
  });
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
    showList(map, data, bounds);
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
