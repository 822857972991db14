/* Capture page, the "New finding" sheet: category → place/photo/rating/text → Save, and the
 * near-duplicate question. Every finding is written to the IndexedDB outbox first (outbox.js)
 * and sent from there (capture.js). A finding is never saved at a place nobody chose: the pin
 * is placed by a GPS fix, by the place stored in the photo (when the phone has no fix) or by
 * the user's tap/drag, and until then there is no pin and Save points at the map. */
import { L } from "./map.js";
import { downscale, placeOf } from "./photo.js";
import { offerBlur } from "./photo-blur.js";
import { $, Outbox, T, additionsUrl, allFindings, api, categoryName, el, findingUrl, photosUrl, ratingGroup,
  refreshOutbox, state, uuid, walk } from "./capture-state.js";
import { flush, requestSync } from "./capture-send.js";
import { map, pinMap } from "./capture-map.js";
import { kindOf, startKind } from "./capture-kind.js";
import { queueVoiceNote } from "./voice-note.js";
import { announceSaved, placeListText, resetPlaceList } from "./capture-place-list.js";

var S = state;

var DUPLICATE_METRES = 25;


/* Local time with its UTC offset, e.g. 2026-11-29T19:30:05+01:00. */
function isoNow() {
  var d = new Date();
  var pad = function (n) { return String(Math.abs(n)).padStart(2, "0"); };
  var off = -d.getTimezoneOffset();
  return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + "T" + pad(d.getHours()) +
    ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds()) + (off >= 0 ? "+" : "-") + pad(Math.floor(Math.abs(off) / 60)) +
    ":" + pad(Math.abs(off) % 60);
}

function haversine(lat1, lon1, lat2, lon2) {
  var R = 6371008.8;
  var rad = Math.PI / 180;
  var dLat = (lat2 - lat1) * rad;
  var dLon = (lon2 - lon1) * rad;
  var a = Math.sin(dLat / 2) * Math.sin(dLat / 2) +
    Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLon / 2) * Math.sin(dLon / 2);
  return 2 * R * Math.asin(Math.min(1, Math.sqrt(a)));
}

function saveError(text) {
  var box = $("save-error");
  box.textContent = text || "";
  box.hidden = !text;
}

/* ------------------------------------------------------------------ open / close */

var placeMap = null;
var placeMarker = null;

function openSheet() {
  // source: "none" until a GPS fix, a photo's own place or the user's tap/drag places the pin.
  S.draft = { id: uuid(), category: null, rating: null, photos: [], pending: [], source: "none", lat: null, lon: null, accuracy: null };
  if (S.gps) placePin(S.gps.lat, S.gps.lon, "gps");
  resetPlaceList();
  $("description").value = "";
  $("place-text").classList.remove("place-needed");
  $("photo-thumbs").textContent = "";
  saveError("");
  document.querySelectorAll("#step-details .rating-button").forEach(function (b) { b.setAttribute("aria-pressed", "false"); });
  $("step-category").hidden = false;
  $("step-details").hidden = true;
  $("sheet").hidden = false;
  document.body.classList.add("sheet-open");
  var first = document.querySelector(".category-button");
  if (first) first.focus();
  startKind(S.draft);
}

/* A tap on the walk's big map: a new finding with its pin where the tap was (the waiting and
 * no-position notes say "tap the map"; a tap on a marker opens the list, not this). */
export function openSheetAt(lat, lon) {
  if (S.draft || !$("new-finding")) return;
  openSheet();
  placePin(lat, lon, "map");
}

function closeSheet() {
  $("sheet").hidden = true;
  document.body.classList.remove("sheet-open");
  if (S.draft) S.draft.photos.forEach(function (p) { URL.revokeObjectURL(p.url); });
  S.draft = null;
  var fab = $("new-finding");
  if (fab) fab.focus();
}

function chooseCategory(code) {
  S.draft.category = code;
  $("chosen-category").textContent = categoryName(code);
  $("step-category").hidden = true;
  $("step-details").hidden = false;
  setupPlaceMap();
  $("sheet").scrollTop = 0;
  $("details-title").focus();
}

/* ------------------------------------------------------------------ place */

function setupPlaceMap() {
  var d = S.draft;
  var start = d.lat != null ? L.latLng(d.lat, d.lon) : map.getCenter();
  if (!placeMap) {
    placeMap = pinMap("place-map");
    placeMarker = L.marker(start, { draggable: true, keyboard: true, alt: T.findingPlace });
    placeMarker.on("dragend", function () {
      var ll = placeMarker.getLatLng();
      placePin(ll.lat, ll.lng, "map");
    });
    placeMap.on("click", function (e) { placePin(e.latlng.lat, e.latlng.lng, "map"); });
  }
  // No pin until there is a place: a pin at the map's centre looks placed, and is not.
  placeMarker.setLatLng(start);
  if (d.source === "none") placeMarker.remove();
  else placeMarker.addTo(placeMap);
  placeMap.setView(start, 18);
  setTimeout(function () { placeMap.invalidateSize(); placeMap.setView(placeMarker.getLatLng(), 18); }, 50);
  updatePlaceText();
}

/* source: "gps" (a fix), "photo" (the photo's EXIF place) or "map" (the user's tap or drag).
 * The user's own placing always wins; a photo's place is only taken while there is none, and a
 * later fix does not move it (the photo shows where the finding is, the fix where I stand). */
export function placePin(lat, lon, source, accuracy) {
  var d = S.draft;
  if (!d) return;
  if (source === "gps" && (d.source === "map" || d.source === "photo")) return;
  if (source === "gps" && (d.source === "route_point" || d.source === "text")) return;
  if (source === "photo" && d.source !== "none") return;
  d.lat = lat;
  d.lon = lon;
  d.source = source;
  if (source === "gps") d.accuracy = S.gps ? S.gps.accuracy : null;
  else d.accuracy = source === "photo" && accuracy != null ? Math.round(accuracy) : null;
  if (placeMarker && !$("step-details").hidden) {
    placeMarker.setLatLng([lat, lon]).addTo(placeMap);
    // A place that arrives late (a fix, a photo) must bring the pin into view.
    if (source !== "map" && !placeMap.getBounds().contains([lat, lon])) placeMap.panTo([lat, lon]);
  }
  $("place-text").classList.remove("place-needed");
  updatePlaceText();
}

export function updatePlaceText() {
  var d = S.draft;
  if (!d) return;
  var text;
  if (d.source === "map") text = T.placeMoved;
  else if (d.source === "photo") text = T.placeFromPhoto;
  else if (d.source === "route_point" || d.source === "text") text = placeListText(d);
  else if (d.source === "gps" && S.gps) text = T.gpsAccuracy.replace("{m}", S.gps.accuracy);
  else text = S.gpsState === "off" ? T.placeOff : T.gpsWaiting;
  $("place-text").textContent = text;
}

/* ------------------------------------------------------------------ photos, duplicates */

function addPhotos(files) {
  var draft = S.draft;
  Array.prototype.forEach.call(files, function (file) {
    // Read the place from the original file: the downscaled copy has no EXIF left.
    var place = placeOf(file).then(function (where) {
      if (where && S.draft === draft) placePin(where.lat, where.lon, "photo", where.accuracy);
    });
    var job = downscale(file).then(function (result) {
      if (!S.draft) return;
      var photo = { id: uuid(), blob: result.blob, url: URL.createObjectURL(result.blob) };
      S.draft.photos.push(photo);
      var li = el("li", { "class": "thumb" });
      li.appendChild(el("img", { src: photo.url, alt: T.findingPhoto, width: "80", height: "80" }));
      var remove = el("button", { type: "button", "class": "remove-photo", "aria-label": T.removePhoto }, "×");
      remove.addEventListener("click", function () {
        S.draft.photos = S.draft.photos.filter(function (p) { return p !== photo; });
        URL.revokeObjectURL(photo.url);
        li.remove();
      });
      li.appendChild(remove);
      $("photo-thumbs").appendChild(li);
      // Blurring needs the decoded pixels: a photo the phone cannot decode (HEIC) goes as it is.
      if (result.width) offerBlur(photo, li);
    });
    S.draft.pending.push(job, place);
  });
}

function nearDuplicate(d) {
  var best = null;
  allFindings().forEach(function (f) {
    if (f.id === d.id || f.category !== d.category || typeof f.lat !== "number") return;
    if (kindOf(f) !== kindOf(d)) return; // a good place is never "the same" as a problem
    var metres = haversine(d.lat, d.lon, f.lat, f.lon);
    if (metres <= DUPLICATE_METRES && (!best || metres < best.metres)) best = { finding: f, metres: metres };
  });
  return best;
}

function askDuplicate(match) {
  return new Promise(function (resolve) {
    var dialog = $("dup-dialog");
    var text = match.finding.description || categoryName(match.finding.category, match.finding.category_name);
    $("dup-text").textContent = T.dupText.replace("{m}", Math.round(match.metres)).replace("{t}", text);
    dialog.hidden = false;
    $("dup-same").focus();
    function done(choice) {
      dialog.hidden = true;
      $("dup-same").onclick = null;
      $("dup-new").onclick = null;
      resolve(choice);
    }
    $("dup-same").onclick = function () { done("same"); };
    $("dup-new").onclick = function () { done("new"); };
  });
}

/* ------------------------------------------------------------------ save */

function queue(d, decision) {
  var chain;
  if (decision.choice === "same") {
    var targetId = decision.match.finding.id;
    chain = Promise.resolve();
    // The rating goes along: the server keeps the more unsafe of the two.
    if (d.description || d.rating !== null) {
      chain = chain.then(function () {
        return Outbox.addAddition(targetId, additionsUrl(targetId),
          { id: uuid(), description: d.description, rating: d.rating });
      });
    }
    d.photos.forEach(function (p) {
      chain = chain.then(function () { return Outbox.addPhoto(targetId, photosUrl(targetId), p.blob, p.id); });
    });
    return chain.then(function () { return queueVoiceNote(d, targetId); });
  }
  var body = {
    id: d.id, lat: d.lat, lon: d.lon, accuracy_m: d.accuracy, location_source: d.source,
    category: d.category, rating: d.rating, description: d.description, observed_at: isoNow(),
    language: document.documentElement.lang,
  };
  body.kind = kindOf(d);
  if (d.source === "text") body.location_text = d.locationText;
  chain = Outbox.addFinding(walk.id, api.findings, body, findingUrl(d.id));
  d.photos.forEach(function (p) {
    chain = chain.then(function () { return Outbox.addPhoto(d.id, photosUrl(d.id), p.blob, p.id); });
  });
  return chain.then(function () { return queueVoiceNote(d, d.id); });
}

/* Never store a pin nobody placed: it would sit at the map's centre, far from the finding.
 * The place text already says what to do; point at it rather than add a second message. */
function askForPlace() {
  var placeText = $("place-text");
  placeText.classList.add("place-needed");
  placeText.textContent = "";
  updatePlaceText(); // set again, so a screen reader reads it once more
  $("place-map").scrollIntoView({ block: "center" });
}

function save(event) {
  event.preventDefault();
  if (!S.draft || !S.draft.category) return;
  var d = S.draft;
  var button = $("save-finding");
  button.disabled = true;
  saveError("");
  // A photo's own place may still be being read: wait for it before deciding there is none.
  Promise.all(d.pending).then(function () {
    if (d.source === "none" || d.lat == null) { askForPlace(); return null; }
    d.description = $("description").value.trim();
    var match = nearDuplicate(d);
    var decided = match ? askDuplicate(match).then(function (choice) { return { choice: choice, match: match }; })
      : Promise.resolve({ choice: "new" });
    return decided.then(function (decision) {
      return queue(d, decision);
    }).then(function () {
      return refreshOutbox();
    }).then(function () {
      closeSheet();
      requestSync();
      announceSaved(flush(false));
    });
  }).catch(function () {
    // IndexedDB full or unavailable, or a photo the phone could not read: say so in words.
    saveError(T.saveFailed);
  }).then(function () { button.disabled = false; });
}

var fab = $("new-finding");
if (fab) fab.addEventListener("click", openSheet);
document.querySelectorAll(".category-button").forEach(function (b) {
  b.addEventListener("click", function () { chooseCategory(b.getAttribute("data-code")); });
});
$("change-category").addEventListener("click", function () {
  $("step-details").hidden = true;
  $("step-category").hidden = false;
});
document.querySelectorAll("#sheet [data-close]").forEach(function (b) { b.addEventListener("click", closeSheet); });
$("photo-input").addEventListener("change", function (e) {
  addPhotos(e.target.files);
  e.target.value = "";
});
ratingGroup($("step-details"), function (value) { if (S.draft) S.draft.rating = value; });
$("step-details").addEventListener("submit", save);
