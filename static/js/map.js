/* The one map module: every Leaflet map in the app is set up here from the server's settings
 * (the #map-settings block in base.html: tiles, attribution, default view, where the category
 * icons are), with the [lon, lat] ↔ [lat, lon] flip, the rating colours and the category icons.
 * Leaflet itself is the vendored classic script (global L). */
const L = window.L;

const settingsBlock = document.getElementById("map-settings");
export const settings = settingsBlock ? JSON.parse(settingsBlock.textContent) : {};

// 0 = very unsafe … 3 = safe: the colours of the capture page's rating buttons and of
// app.css's --danger / --ok, so a finding reads the same on every page. No rating: grey.
export const RATING_COLOURS = ["#a4001d", "#d35400", "#b7950b", "#0a6b2d"];
export const NO_RATING_COLOUR = "#555";

// A good place ("Godt sted"): green on every map, with a dark green ring of its own.
export const GOOD_PLACE_COLOUR = "#00c853";

export function ratingColour(rating) {
  return rating === null || rating === undefined ? NO_RATING_COLOUR : RATING_COLOURS[rating] || NO_RATING_COLOUR;
}

/* The URL of a category's icon (name as stored on the category; unknown → "other"). */
export function categoryIconUrl(icon) {
  return (settingsBlock ? settingsBlock.dataset.iconBase : "") + (icon || "other") + ".svg";
}

/* GeoJSON position [lon, lat] → Leaflet [lat, lon]. */
export function toLatLng(position) {
  return [Number(position[1]), Number(position[0])];
}

/* GeoJSON positions → Leaflet points, leaving out any that are not numbers. */
export function toLatLngs(positions) {
  return (Array.isArray(positions) ? positions : []).map(toLatLng)
    .filter(function (p) { return isFinite(p[0]) && isFinite(p[1]); });
}

// 7 decimals ≈ 1 cm: more than GPS can tell, and what the forms accept.
export function round7(value) {
  return Math.round(value * 1e7) / 1e7;
}

/* Leaflet [lat, lon] → GeoJSON [lon, lat], rounded to 7 decimals. */
export function toPosition(latLng) {
  return [round7(latLng[1]), round7(latLng[0])];
}

/* The tile layer, as CORS requests: the service worker then caches real responses it can
 * measure, not opaque ones that Chromium charges ~7 MB of storage quota each. Without a tile
 * URL the map is a plain background with the drawing on it. */
export function addTiles(map) {
  // The "Leaflet" prefix link is a tiny tap target; the tile attribution itself stays.
  if (map.attributionControl) map.attributionControl.setPrefix(false);
  if (settings.tileUrl) {
    L.tileLayer(settings.tileUrl, { maxZoom: 19, attribution: settings.attribution || "", crossOrigin: true }).addTo(map);
  }
}

/* A Leaflet map in `element` (an element or its id) with the configured tiles. */
export function createMap(element, options) {
  const map = L.map(element, Object.assign({ zoomControl: true, attributionControl: !!settings.tileUrl }, options || {}));
  addTiles(map);
  return map;
}

/* The configured default view (the estate area the app is set up for). */
export function showDefaultView(map) {
  map.setView(settings.center, settings.zoom);
}

/* A 48 px tap target with `face` (an element, never HTML text) drawn inside. */
export function tapIcon(className, face) {
  return L.divIcon({ className: className, html: face, iconSize: [48, 48], iconAnchor: [24, 24] });
}

/* The meeting point's "M" marker. */
export function meetingIcon() {
  const face = document.createElement("span");
  face.textContent = "M";
  return tapIcon("meeting-marker", face);
}

export { L };
