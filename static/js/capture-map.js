/* Capture page, map part: the walk's map with its route and a labelled meeting point, my position
 * from the GPS (followed until I move the map myself; "Find me" follows again), and a marker per
 * finding showing its category icon (mine with a yellow ring, dashed until sent). Markers are
 * built as elements: category names and labels are user text and never go in as HTML. */
import { L, categoryIconUrl, createMap, showDefaultView, toLatLngs } from "./map.js";
import { findingState } from "./sync-status.js";
import { $, T, categoryByCode, categoryName, el, onRender, state, walk } from "./capture-state.js";
// Called only when a fix arrives or a marker is tapped, so this import circle is harmless.
import { focusItem, showList } from "./capture-list.js";
import { openSheetAt, placePin, updatePlaceText } from "./capture-sheet.js";

var S = state;
var TAP = 48; // every marker is a 48 px tap target, whatever its drawn size

export var map = createMap("capture-map");
var routeLayer = null;
var routeLatLngs = walk.route && walk.route.coordinates && walk.route.coordinates.length
  ? toLatLngs(walk.route.coordinates) : null;
if (routeLatLngs) {
  routeLayer = L.polyline(routeLatLngs, { color: "#0b3d2e", weight: 6, opacity: 0.9 }).addTo(map);
  map.fitBounds(routeLayer.getBounds(), { padding: [30, 30] });
} else if (walk.meeting) {
  map.setView([walk.meeting.lat, walk.meeting.lon], 17);
} else {
  showDefaultView(map);
}
if (walk.meeting) {
  var meetingName = T.meeting + (walk.meeting.label ? ": " + walk.meeting.label : "");
  var meetingIcon = el("span", { "class": "marker-meeting-face" }, "M");
  L.marker([walk.meeting.lat, walk.meeting.lon], {
    icon: L.divIcon({ className: "marker-meeting", html: meetingIcon, iconSize: [TAP, TAP], iconAnchor: [TAP / 2, TAP / 2] }),
    keyboard: false, zIndexOffset: -100,
  }).bindTooltip(el("span", null, meetingName)).addTo(map);
}
var findingsLayer = L.layerGroup().addTo(map);
var meDot = null;
var meCircle = null;

/* A small map for placing one pin (the new finding's sheet, "Move the pin"): tiles and route. */
export function pinMap(containerId) {
  var small = createMap(containerId);
  if (routeLatLngs) L.polyline(routeLatLngs, { color: "#0b3d2e", weight: 5 }).addTo(small);
  return small;
}

/* ------------------------------------------------------------------ following me */

var following = true;
var movingMyself = false; // true while this code moves the map, so it isn't taken for the user
var findMe = $("find-me");

function setFollowing(on) {
  following = on;
  if (findMe) findMe.setAttribute("aria-pressed", on ? "true" : "false");
}

function centreOnMe(zoomIn) {
  if (!S.gps) return;
  var ll = [S.gps.lat, S.gps.lon];
  movingMyself = true;
  try {
    if (zoomIn && map.getZoom() < 17) map.setView(ll, 17, { animate: false });
    else map.panTo(ll);
  } finally {
    movingMyself = false;
  }
}

// Only the user's own drag or zoom stops the following (programmatic moves set movingMyself).
map.on("dragstart", function () { setFollowing(false); });
map.on("zoomstart", function () { if (!movingMyself) setFollowing(false); });
// Leaflet sends no click after a drag or a pinch, so only a real tap starts a finding there.
map.on("click", function (e) { openSheetAt(e.latlng.lat, e.latlng.lng); });

if (findMe) {
  findMe.addEventListener("click", function () {
    setFollowing(true);
    if (S.gps) centreOnMe(true);
    else if (S.gpsState === "off") positionMissing();
    // Still waiting: the map centres on the first fix, since it follows again.
  });
}

function showPosition(pos) {
  S.gpsState = "ok";
  var gps = S.gps = { lat: pos.coords.latitude, lon: pos.coords.longitude, accuracy: Math.round(pos.coords.accuracy || 0) };
  var ll = [gps.lat, gps.lon];
  if (!meDot) {
    meCircle = L.circle(ll, { radius: gps.accuracy, color: "#1a5fd0", weight: 1, fillOpacity: 0.15, interactive: false }).addTo(map);
    meDot = L.circleMarker(ll, { className: "me-dot", radius: 8, color: "#fff", weight: 3, fillColor: "#1a5fd0", fillOpacity: 1 })
      .bindTooltip(el("span", null, T.myPosition)).addTo(map);
  } else {
    meDot.setLatLng(ll);
    meCircle.setLatLng(ll).setRadius(gps.accuracy);
  }
  if (following) centreOnMe(false);
  $("gps-note").hidden = true;
  $("gps-note").setAttribute("data-state", "ok");
  // Until a place was chosen (a tap, a drag, the photo's own), the newest fix is the place.
  if (S.draft) placePin(gps.lat, gps.lon, "gps");
}

// Denied, unavailable or timed out: all the same to the person, who then places findings
// by hand. The note on the big map says so once; the sheet says it where the pin goes.
function positionMissing() {
  S.gpsState = "off";
  var note = $("gps-note");
  note.textContent = T.gpsOff;
  note.setAttribute("data-state", "off");
  note.hidden = false;
  if (S.draft) updatePlaceText();
}

if (navigator.geolocation) {
  navigator.geolocation.watchPosition(showPosition, function () { if (!S.gps) positionMissing(); },
    { enableHighAccuracy: true, maximumAge: 5000, timeout: 30000 });
} else {
  positionMissing();
}

/* ------------------------------------------------------------------ findings */

function findingIcon(f, state) {
  var cat = categoryByCode[f.category];
  var face = el("span", { "class": "marker-finding-face" });
  // Lazy (set before src): the fetch then starts after the markers are drawn, not inside the
  // render, where each image's start cost a slow phone up to ~15 ms.
  face.appendChild(el("img", { loading: "lazy", src: categoryIconUrl(cat && cat.icon), alt: "", width: "26", height: "26" }));
  var classes = "marker-finding" + (f.mine ? " mine" : "") + (state === "sent" ? "" : " unsent") +
    (f.kind === "good" ? " good-place" : "");
  return L.divIcon({ className: classes, html: face, iconSize: [TAP, TAP], iconAnchor: [TAP / 2, TAP / 2] });
}

onRender(function renderMarkers(findings) {
  findingsLayer.clearLayers();
  findings.forEach(function (f) {
    if (typeof f.lat !== "number") return;
    var state = findingState(f.id, S.outboxItems);
    var name = categoryName(f.category, f.category_name) + (f.mine ? " · " + T.mine : "") +
      (state === "sent" ? "" : " · " + T[state]);
    var marker = L.marker([f.lat, f.lon], { icon: findingIcon(f, state), keyboard: true, zIndexOffset: f.mine ? 100 : 0 });
    // An element, not a string: Leaflet puts string tooltips in as HTML, and names are user text.
    marker.bindTooltip(el("span", null, name));
    marker.on("click", function () { showList(); focusItem(f.id); });
    findingsLayer.addLayer(marker);
    var node = marker.getElement();
    if (node) { node.setAttribute("aria-label", name); node.setAttribute("data-id", f.id); }
  });
});
