// On a finding's page: drag the pin, or tap the map, to correct the place. It only fills the
// correction form's latitude/longitude fields; nothing is saved until staff press Save.
(function () {
  "use strict";
  var map = window.triageMap;
  var lat = document.getElementById("lat");
  var lon = document.getElementById("lon");
  if (!map || !lat || !lon) { return; }
  var start = [parseFloat(lat.value), parseFloat(lon.value)];
  if (!isFinite(start[0]) || !isFinite(start[1])) { return; }
  var pin = L.marker(start, { draggable: true, autoPan: true, keyboard: true,
    title: lat.dataset.pinLabel || "" }).addTo(map);
  function put(latlng) {
    // Seven decimals is about a centimetre: more than GPS can tell, and what the form accepts.
    lat.value = latlng.lat.toFixed(7);
    lon.value = latlng.lng.toFixed(7);
    lat.dispatchEvent(new Event("change", { bubbles: true }));
  }
  pin.on("dragend", function () { put(pin.getLatLng()); });
  map.on("click", function (event) { pin.setLatLng(event.latlng); put(event.latlng); });
  function fromInputs() {
    var point = [parseFloat(lat.value), parseFloat(lon.value)];
    if (isFinite(point[0]) && isFinite(point[1])) { pin.setLatLng(point); }
  }
  lat.addEventListener("input", fromInputs);
  lon.addEventListener("input", fromInputs);
})();
