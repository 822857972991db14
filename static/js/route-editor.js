/* Draw a walk's route (the shared shape editor) and place its meeting point.
 *
 * "Set meeting point" makes the next tap place the meeting point instead of a route point.
 * The route is written as a GeoJSON LineString ([lon, lat] positions) into the hidden input
 * #route: 0 points → "" (no route); a single point is still written so the server can explain
 * that a route needs 2 points instead of silently dropping it.
 */
import { L, createMap, meetingIcon, round7, showDefaultView, tapIcon, toLatLngs, toPosition } from "./map.js";
import { shapeEditor } from "./shape-editor.js";

const mapEl = document.getElementById("route-map");
if (mapEl) start();

function handleIcon(first) {
  return tapIcon(first ? "route-vertex first" : "route-vertex", document.createElement("span"));
}

// GeoJSON LineString → Leaflet points; anything unreadable → no points.
function fromGeoJSON(text) {
  try {
    const geom = text ? JSON.parse(text) : null;
    return geom && geom.type === "LineString" ? toLatLngs(geom.coordinates) : [];
  } catch (e) {
    return [];
  }
}

function start() {
  const input = document.getElementById("route");
  const latInput = document.getElementById("meeting_lat");
  const lonInput = document.getElementById("meeting_lon");
  const statusEl = document.getElementById("route-status");
  const undoButton = document.getElementById("route-undo");
  const clearButton = document.getElementById("route-clear");
  const meetingButton = document.getElementById("meeting-mode");

  const map = createMap(mapEl, { doubleClickZoom: false, attributionControl: true });
  const line = L.polyline([], { color: "#c0392b", weight: 5, opacity: 0.9 }).addTo(map);
  let meetingMarker = null;
  let meetingMode = false;
  let editor = null;

  function showStatus(count) {
    if (!statusEl) return;
    statusEl.textContent = meetingMode ? statusEl.dataset.meetingModeLabel || ""
      : (statusEl.dataset.pointsLabel || "") + ": " + count;
  }

  function write(points) {
    input.value = points.length ? JSON.stringify({ type: "LineString", coordinates: points.map(toPosition) }) : "";
    undoButton.disabled = !editor || !editor.canUndo();
    clearButton.disabled = points.length === 0;
    showStatus(points.length);
  }

  function setMeeting(lat, lng) {
    latInput.value = String(round7(lat));
    lonInput.value = String(round7(lng));
    if (meetingMarker) {
      meetingMarker.setLatLng([lat, lng]);
      return;
    }
    meetingMarker = L.marker([lat, lng], { icon: meetingIcon(), draggable: true, keyboard: false }).addTo(map);
    meetingMarker.on("dragend", function (e) {
      const ll = e.target.getLatLng();
      setMeeting(ll.lat, ll.lng);
    });
  }

  function setMeetingMode(on) {
    meetingMode = on;
    meetingButton.setAttribute("aria-pressed", on ? "true" : "false");
    mapEl.style.cursor = on ? "crosshair" : "";
    showStatus(editor.points().length);
  }

  // Start from what the page holds: the saved route, or the one sent back with an error.
  editor = shapeEditor({
    map: map,
    points: fromGeoJSON(input.value),
    maxHandles: 300,
    handleIcon: function (index) { return handleIcon(index === 0); },
    draw: function (points) { line.setLatLngs(points); },
    changed: write,
    takesTap: function (latlng) {
      if (!meetingMode) return false;
      setMeeting(latlng.lat, latlng.lng);
      setMeetingMode(false);
      return true;
    },
  });

  undoButton.addEventListener("click", editor.undo);
  clearButton.addEventListener("click", editor.clear);
  meetingButton.addEventListener("click", function () { setMeetingMode(!meetingMode); });

  const lat = parseFloat(latInput.value);
  const lng = parseFloat(lonInput.value);
  const hasMeeting = isFinite(lat) && isFinite(lng);
  if (hasMeeting) setMeeting(lat, lng);
  const points = editor.points();
  write(points);

  if (points.length > 1) map.fitBounds(L.latLngBounds(points), { padding: [30, 30], maxZoom: 18 });
  else if (points.length === 1) map.setView(points[0], 17);
  else if (hasMeeting) map.setView([lat, lng], 17);
  else showDefaultView(map);
}
