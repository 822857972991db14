/* On a finding's page: drag the pin, or tap the map, to correct the place. It only fills the
 * correction form's latitude/longitude fields; nothing is saved until staff press Save. */
import { L } from "./map.js";
import { triageMap as map } from "./triage-map.js";

const lat = document.getElementById("lat");
const lon = document.getElementById("lon");
const start = lat && lon ? [parseFloat(lat.value), parseFloat(lon.value)] : null;
if (map && start && isFinite(start[0]) && isFinite(start[1])) {
  const pin = L.marker(start, { draggable: true, autoPan: true, keyboard: true, title: lat.dataset.pinLabel || "" }).addTo(map);
  const put = function (latlng) {
    // Seven decimals is about a centimetre: more than GPS can tell, and what the form accepts.
    lat.value = latlng.lat.toFixed(7);
    lon.value = latlng.lng.toFixed(7);
    lat.dispatchEvent(new Event("change", { bubbles: true }));
  };
  const fromInputs = function () {
    const point = [parseFloat(lat.value), parseFloat(lon.value)];
    if (isFinite(point[0]) && isFinite(point[1])) pin.setLatLng(point);
  };
  pin.on("dragend", function () { put(pin.getLatLng()); });
  map.on("click", function (event) { pin.setLatLng(event.latlng); put(event.latlng); });
  lat.addEventListener("input", fromInputs);
  lon.addEventListener("input", fromInputs);
}
