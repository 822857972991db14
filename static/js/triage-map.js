// Map of the triage list (and of one finding): points from the embedded JSON, plain Leaflet.
(function () {
  "use strict";
  var el = document.getElementById("triage-map");
  var dataEl = document.getElementById("triage-map-data");
  if (!el || !dataEl || !window.L) { return; }
  var data = JSON.parse(dataEl.textContent);
  var settings = JSON.parse(document.getElementById("map-settings").textContent);
  var map = L.map(el).setView(settings.center, settings.zoom);
  window.triageMap = map;  // finding-place.js adds the correction pin to the same map
  if (settings.tileUrl) {
    L.tileLayer(settings.tileUrl, { attribution: settings.attribution, maxZoom: 19 }).addTo(map);
  }
  // Rating 0 (very unsafe) … 3 (safe); the popup also says it in words, so colour is not the only cue.
  var colours = ["#b00020", "#d35400", "#b7950b", "#1e7d32"];
  var bounds = [];
  if (data.route && data.route.coordinates) {
    var path = data.route.coordinates.map(function (c) { return [c[1], c[0]]; });
    L.polyline(path, { color: "#0b3d2e", weight: 4, opacity: 0.7 }).addTo(map);
    bounds = bounds.concat(path);
  }
  function text(value) {
    var span = document.createElement("span");
    span.textContent = value == null ? "" : String(value);
    return span.innerHTML;
  }
  (data.points || []).forEach(function (p) {
    var colour = p.rating == null ? "#555" : colours[p.rating];
    var marker = L.circleMarker([p.lat, p.lon], {
      radius: 9, color: "#000", weight: 1, fillColor: colour, fillOpacity: 0.9
    }).addTo(map);
    var name = data.locale === "en" ? p.name_en : p.name_da;
    var html = "<strong>" + text(name) + "</strong>";
    if (p.rating != null) { html += "<br>" + text(data.labels.rating) + ": " + text(p.rating + " – " + (data.labels.ratings || [])[p.rating]); }
    if (p.description) { html += "<br>" + text(p.description); }
    if (data.detail) {
      var url = data.detail.replace("00000000-0000-0000-0000-000000000000", encodeURIComponent(p.id));
      html += '<br><a href="' + url + '">' + text(data.labels.open) + "</a>";
    }
    marker.bindPopup(html);
    bounds.push([p.lat, p.lon]);
  });
  if (bounds.length === 1) {
    map.setView(bounds[0], 18);
  } else if (bounds.length > 1) {
    map.fitBounds(bounds, { padding: [24, 24], maxZoom: 18 });
  }
})();
