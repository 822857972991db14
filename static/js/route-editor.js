/* Draw a walk's route on a Leaflet map (plain JS, no build step).
 *
 * Tap the map to add a point at the end of the route, drag a point to move it, Undo reverts
 * the last change, Clear removes the route. "Set meeting point" makes the next tap place the
 * meeting point instead. The route is written as a GeoJSON LineString ([lon, lat] positions)
 * into the hidden input #route: 0 points → "" (no route); a single point is still written so
 * the server can explain that a route needs 2 points instead of silently dropping it.
 * Works without a tile URL: the route and points show on a plain background.
 */
(function () {
  "use strict";

  var mapEl = document.getElementById("route-map");
  if (!mapEl || typeof L === "undefined") return;
  var input = document.getElementById("route");
  var latInput = document.getElementById("meeting_lat");
  var lonInput = document.getElementById("meeting_lon");
  var statusEl = document.getElementById("route-status");
  var undoButton = document.getElementById("route-undo");
  var clearButton = document.getElementById("route-clear");
  var meetingButton = document.getElementById("meeting-mode");

  var settings = {};
  try {
    settings = JSON.parse(document.getElementById("map-settings").textContent) || {};
  } catch (e) { /* defaults below */ }

  var map = L.map(mapEl, { zoomControl: true, doubleClickZoom: false });
  // The "Leaflet" prefix link is a tiny tap target; the tile attribution itself stays.
  map.attributionControl.setPrefix(false);
  if (settings.tileUrl) {
    L.tileLayer(settings.tileUrl, { attribution: settings.attribution || "", maxZoom: 19 }).addTo(map);
  }

  // Dragging thousands of markers is unusable on a phone; long imported tracks show as a line.
  var MAX_HANDLES = 300;
  var points = [];      // [[lat, lng], …] — Leaflet order while drawing
  var history = [];     // earlier states of `points`, for Undo
  var markers = [];
  var line = L.polyline([], { color: "#c0392b", weight: 5, opacity: 0.9 }).addTo(map);
  var meetingMarker = null;
  var meetingMode = false;

  var vertexIcon = L.divIcon({ className: "route-vertex", html: "<span></span>", iconSize: [48, 48], iconAnchor: [24, 24] });
  var firstIcon = L.divIcon({ className: "route-vertex first", html: "<span></span>", iconSize: [48, 48], iconAnchor: [24, 24] });
  var meetingIcon = L.divIcon({ className: "meeting-marker", html: "<span>M</span>", iconSize: [48, 48], iconAnchor: [24, 24] });

  function copy(list) {
    return list.map(function (p) { return [p[0], p[1]]; });
  }

  function remember() {
    history.push(copy(points));
    if (history.length > 200) history.shift();
  }

  function round(value) {
    return Math.round(value * 1e7) / 1e7;
  }

  // GeoJSON LineString [lon, lat] → Leaflet [lat, lng]; anything unreadable → no points.
  function fromGeoJSON(text) {
    if (!text) return [];
    try {
      var geom = JSON.parse(text);
      var coords = geom && geom.type === "LineString" && geom.coordinates;
      if (!Array.isArray(coords)) return [];
      return coords.map(function (p) { return [Number(p[1]), Number(p[0])]; })
        .filter(function (p) { return isFinite(p[0]) && isFinite(p[1]); });
    } catch (e) {
      return [];
    }
  }

  function toGeoJSON() {
    if (!points.length) return "";
    return JSON.stringify({
      type: "LineString",
      coordinates: points.map(function (p) { return [round(p[1]), round(p[0])]; })
    });
  }

  function showStatus() {
    if (!statusEl) return;
    if (meetingMode) {
      statusEl.textContent = statusEl.dataset.meetingModeLabel || "";
    } else {
      statusEl.textContent = (statusEl.dataset.pointsLabel || "") + ": " + points.length;
    }
  }

  function write() {
    input.value = toGeoJSON();
    line.setLatLngs(points);
    undoButton.disabled = history.length === 0;
    clearButton.disabled = points.length === 0;
    showStatus();
  }

  function redrawHandles() {
    markers.forEach(function (m) { map.removeLayer(m); });
    markers = [];
    if (points.length > MAX_HANDLES) return;
    points.forEach(function (p, index) {
      var marker = L.marker(p, { icon: index === 0 ? firstIcon : vertexIcon, draggable: true, keyboard: false });
      marker.on("dragstart", function () { remember(); });
      marker.on("drag", function (e) {
        var ll = e.target.getLatLng();
        points[index] = [ll.lat, ll.lng];
        line.setLatLngs(points);
      });
      marker.on("dragend", function () { write(); });
      marker.addTo(map);
      markers.push(marker);
    });
  }

  function setMeeting(lat, lng) {
    latInput.value = String(round(lat));
    lonInput.value = String(round(lng));
    if (meetingMarker) {
      meetingMarker.setLatLng([lat, lng]);
    } else {
      meetingMarker = L.marker([lat, lng], { icon: meetingIcon, draggable: true, keyboard: false }).addTo(map);
      meetingMarker.on("dragend", function (e) {
        var ll = e.target.getLatLng();
        setMeeting(ll.lat, ll.lng);
      });
    }
  }

  function setMeetingMode(on) {
    meetingMode = on;
    meetingButton.setAttribute("aria-pressed", on ? "true" : "false");
    mapEl.style.cursor = on ? "crosshair" : "";
    showStatus();
  }

  map.on("click", function (e) {
    if (meetingMode) {
      setMeeting(e.latlng.lat, e.latlng.lng);
      setMeetingMode(false);
      return;
    }
    remember();
    points.push([e.latlng.lat, e.latlng.lng]);
    redrawHandles();
    write();
  });

  undoButton.addEventListener("click", function () {
    if (!history.length) return;
    points = history.pop();
    redrawHandles();
    write();
  });

  clearButton.addEventListener("click", function () {
    if (!points.length) return;
    remember();
    points = [];
    redrawHandles();
    write();
  });

  meetingButton.addEventListener("click", function () {
    setMeetingMode(!meetingMode);
  });

  // Start from what the page holds: the saved route, or the one sent back with an error.
  points = fromGeoJSON(input.value);
  var lat = parseFloat(latInput.value), lng = parseFloat(lonInput.value);
  var hasMeeting = isFinite(lat) && isFinite(lng);
  if (hasMeeting) setMeeting(lat, lng);
  redrawHandles();
  write();

  if (points.length > 1) {
    map.fitBounds(L.latLngBounds(points), { padding: [30, 30], maxZoom: 18 });
  } else if (points.length === 1) {
    map.setView(points[0], 17);
  } else if (hasMeeting) {
    map.setView([lat, lng], 17);
  } else {
    map.setView(settings.center || [55.6761, 12.5683], settings.zoom || 12);
  }
})();
