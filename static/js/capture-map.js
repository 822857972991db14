/* Capture page, map part: the walk's map with its route and meeting point, my position from
 * the GPS, and a marker per finding (mine larger and yellow, dashed until sent). */
/* global L, SyncStatus */
(function () {
  "use strict";

  var C = window.Capture;
  var S = C.state;
  var T = C.T;
  var $ = C.$;
  var walk = C.walk;
  var mapSettings = C.mapSettings;

  var map = L.map("capture-map", { zoomControl: true, attributionControl: !!mapSettings.tileUrl });
  if (mapSettings.tileUrl) {
    L.tileLayer(mapSettings.tileUrl, { maxZoom: 19, attribution: mapSettings.attribution }).addTo(map);
  }
  var routeLayer = null;
  if (walk.route && walk.route.coordinates && walk.route.coordinates.length) {
    routeLayer = L.polyline(walk.route.coordinates.map(function (c) { return [c[1], c[0]]; }),
      { color: "#0b3d2e", weight: 6, opacity: 0.9 }).addTo(map);
    map.fitBounds(routeLayer.getBounds(), { padding: [30, 30] });
  } else if (walk.meeting) {
    map.setView([walk.meeting.lat, walk.meeting.lon], 17);
  } else {
    map.setView(mapSettings.center, mapSettings.zoom);
  }
  if (walk.meeting) {
    L.circleMarker([walk.meeting.lat, walk.meeting.lon], { radius: 10, color: "#111", weight: 3, fillColor: "#fff", fillOpacity: 1 })
      .bindTooltip(C.el("span", null, T.meeting + (walk.meeting.label ? ": " + walk.meeting.label : ""))).addTo(map);
  }
  var findingsLayer = L.layerGroup().addTo(map);
  var meDot = null;
  var meCircle = null;

  C.map = map;
  C.routeLayer = routeLayer;

  function showPosition(pos) {
    var gps = S.gps = { lat: pos.coords.latitude, lon: pos.coords.longitude, accuracy: Math.round(pos.coords.accuracy || 0) };
    var ll = [gps.lat, gps.lon];
    if (!meDot) {
      meCircle = L.circle(ll, { radius: gps.accuracy, color: "#1a5fd0", weight: 1, fillOpacity: 0.15, interactive: false }).addTo(map);
      meDot = L.circleMarker(ll, { radius: 8, color: "#fff", weight: 3, fillColor: "#1a5fd0", fillOpacity: 1 })
        .bindTooltip(T.myPosition).addTo(map);
      if (!map.getBounds().contains(ll)) map.panTo(ll);
    } else {
      meDot.setLatLng(ll);
      meCircle.setLatLng(ll).setRadius(gps.accuracy);
    }
    $("gps-note").hidden = true;
    if (S.draft && S.draft.source === "gps") C.placePin(gps.lat, gps.lon, "gps");
  }

  function positionFailed() {
    var note = $("gps-note");
    note.textContent = T.gpsDenied;
    note.hidden = false;
    if (S.draft) C.updatePlaceText();
  }

  if (navigator.geolocation) {
    navigator.geolocation.watchPosition(showPosition, positionFailed,
      { enableHighAccuracy: true, maximumAge: 5000, timeout: 30000 });
  } else {
    positionFailed();
  }

  C.renderMarkers = function (findings) {
    findingsLayer.clearLayers();
    findings.forEach(function (f) {
      if (typeof f.lat !== "number") return;
      var marker = L.circleMarker([f.lat, f.lon], {
        radius: f.mine ? 11 : 9, color: "#111", weight: f.mine ? 4 : 2,
        fillColor: f.mine ? "#ffd23f" : "#ffffff", fillOpacity: 1,
        dashArray: SyncStatus.findingState(f.id, S.outboxItems) === "sent" ? null : "4 3",
      });
      // An element, not a string: Leaflet puts string tooltips in as HTML, and names are user text.
      marker.bindTooltip(C.el("span", null, C.categoryName(f.category, f.category_name) + (f.mine ? " · " + T.mine : "")));
      marker.on("click", function () { C.showList(); C.focusItem(f.id); });
      findingsLayer.addLayer(marker);
    });
  };
})();
