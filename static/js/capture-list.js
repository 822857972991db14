/* Capture page, list part: the map/list toggle, the list of findings with each one's sync state,
 * and editing, deleting, retrying, adding photos to and moving the pin of my own findings after
 * saving them (all through the outbox). */
import { L, categoryIconUrl } from "./map.js";
import { downscale } from "./photo.js";
import { blurPhoto } from "./photo-blur.js";
import { errorOf, findingState } from "./sync-status.js";
import { $, Outbox, T, canCapture, categoryByCode, categoryName, el, findingUrl, onRender, pageNote, photosUrl,
  ratingGroup, refreshOutbox, state, uuid } from "./capture-state.js";
import { flush, requestSync } from "./capture-send.js";
import { map, pinMap } from "./capture-map.js";
import { earlierHint } from "./capture-earlier.js";
import { goodBadge } from "./capture-kind.js";

var S = state;

var objectUrls = {}; // outbox photo id → object URL, kept so re-renders don't leak new ones
var editing = null;
var photoTarget = null; // id of the finding "Add photo" was pressed for
var moving = null; // {finding, lat, lon, moved} while "Move the pin" is open
var moveMap = null;
var moveMarker = null;

function photoThumbs(finding) {
  var urls = (finding.photos || []).map(function (p) { return p.thumb_url || p.url; });
  S.outboxItems.forEach(function (item) {
    if (item.kind === "photo" && item.findingId === finding.id) {
      if (!objectUrls[item.id]) objectUrls[item.id] = URL.createObjectURL(item.blob);
      urls.push(objectUrls[item.id]);
    }
  });
  return urls;
}

// While the map is shown, the list is drawn in a task of its own (the latest findings only), not
// inside the render that a sync or the page's start triggers: on a slow phone those long tasks
// are what make a tap wait. Showing the list draws what is pending at once.
var pendingList = null;

onRender(function renderList(findings) {
  if (!$("list-view").hidden) { pendingList = null; drawList(findings); return; }
  if (!pendingList) setTimeout(drawPendingList, 0);
  pendingList = findings;
});

function drawPendingList() {
  var findings = pendingList;
  pendingList = null;
  if (findings) drawList(findings);
}

function drawList(findings) {
  var list = $("finding-list");
  list.textContent = "";
  $("list-empty").hidden = findings.length > 0;
  findings.forEach(function (f) {
    var state = findingState(f.id, S.outboxItems);
    var li = el("li", { "class": "finding-item state-" + state, "data-id": f.id, "data-state": state, tabindex: "-1" });
    var head = el("div", { "class": "finding-head" });
    var cat = categoryByCode[f.category];
    // Lazy (set before src): the list is often hidden, and each image's fetch starts at once otherwise.
    if (cat) head.appendChild(el("img", { loading: "lazy", src: categoryIconUrl(cat.icon), alt: "", width: "32", height: "32" }));
    head.appendChild(el("strong", {}, categoryName(f.category, f.category_name)));
    if (f.mine) head.appendChild(el("span", { "class": "badge mine" }, T.mine));
    var good = goodBadge(f);
    if (good) head.appendChild(good);
    head.appendChild(el("span", { "class": "badge sync-" + state }, T[state]));
    li.appendChild(head);
    var hint = earlierHint(f);
    if (hint) li.appendChild(hint);
    if (f.rating !== null && f.rating !== undefined && f.rating !== "") {
      li.appendChild(el("p", { "class": "rating-text r" + f.rating }, T["rating" + f.rating]));
    }
    if (f.description) li.appendChild(el("p", { "class": "description" }, f.description));
    var thumbs = photoThumbs(f);
    if (thumbs.length) {
      var row = el("div", { "class": "list-thumbs" });
      thumbs.forEach(function (src) { row.appendChild(el("img", { loading: "lazy", src: src, alt: T.findingPhoto, width: "72", height: "72" })); });
      li.appendChild(row);
    }
    if (state === "attention") {
      li.appendChild(el("p", { "class": "error attention-text", role: "alert" }, errorOf(f.id, S.outboxItems, T)));
    }
    if (f.mine && canCapture) {
      var actions = el("div", { "class": "actions" });
      var edit = el("button", { type: "button", "class": "button edit-finding" }, T.edit);
      edit.addEventListener("click", function () { openEdit(f); });
      actions.appendChild(edit);
      var photo = el("button", { type: "button", "class": "button add-photo" }, T.addPhoto);
      photo.addEventListener("click", function () { choosePhotos(f.id); });
      actions.appendChild(photo);
      if (typeof f.lat === "number") {
        var move = el("button", { type: "button", "class": "button move-pin" }, T.movePin);
        move.addEventListener("click", function () { openMove(f); });
        actions.appendChild(move);
      }
      if (state === "attention") {
        var retry = el("button", { type: "button", "class": "button retry-finding" }, T.retry);
        retry.addEventListener("click", function () { retryFinding(f.id); });
        actions.appendChild(retry);
      }
      var del = el("button", { type: "button", "class": "button danger delete-finding" }, T.delete);
      del.addEventListener("click", function () { removeFinding(f); });
      actions.appendChild(del);
      li.appendChild(actions);
    } else if (f.mine && state === "attention") {
      var keep = el("div", { "class": "actions" });
      var retry2 = el("button", { type: "button", "class": "button retry-finding" }, T.retry);
      retry2.addEventListener("click", function () { retryFinding(f.id); });
      keep.appendChild(retry2);
      li.appendChild(keep);
    }
    list.appendChild(li);
  });
}

/* ------------------------------------------------------------------ views */

export function showList() {
  drawPendingList();
  $("list-view").hidden = false;
  $("map-view").hidden = true;
  $("show-list").setAttribute("aria-pressed", "true");
  $("show-map").setAttribute("aria-pressed", "false");
}

function showMap() {
  $("list-view").hidden = true;
  $("map-view").hidden = false;
  $("show-list").setAttribute("aria-pressed", "false");
  $("show-map").setAttribute("aria-pressed", "true");
  map.invalidateSize();
}

export function focusItem(id) {
  var node = document.querySelector('.finding-item[data-id="' + id + '"]');
  if (node) node.focus();
}

$("show-list").addEventListener("click", showList);
$("show-map").addEventListener("click", showMap);

/* ------------------------------------------------------------------ edit / delete / retry */

function openEdit(f) {
  editing = { finding: f, rating: f.rating === undefined ? null : f.rating };
  $("edit-category").value = f.category;
  $("edit-description").value = f.description || "";
  $("edit-rating").querySelectorAll(".rating-button").forEach(function (b) {
    b.setAttribute("aria-pressed", String(Number(b.getAttribute("data-rating")) === editing.rating));
  });
  $("edit-dialog").hidden = false;
  $("edit-category").focus();
}

function closeEdit() { $("edit-dialog").hidden = true; editing = null; }

ratingGroup($("edit-rating"), function (value) { if (editing) editing.rating = value; });
$("edit-dialog").querySelector("[data-close]").addEventListener("click", closeEdit);
$("edit-form").addEventListener("submit", function (e) {
  e.preventDefault();
  if (!editing) return;
  var id = editing.finding.id;
  var changes = { category: $("edit-category").value, rating: editing.rating, description: $("edit-description").value.trim() };
  closeEdit();
  Outbox.editFinding(id, findingUrl(id), changes).then(refreshOutbox).then(function () { flush(false); });
});
$("edit-delete").addEventListener("click", function () {
  if (!editing) return;
  var f = editing.finding;
  closeEdit();
  removeFinding(f);
});

function removeFinding(f) {
  if (!window.confirm(T.confirmDelete)) return;
  var onServer = !!S.serverFindings[f.id] || S.outboxItems.some(function (i) { return i.findingId === f.id && i.kind === "finding"; });
  delete S.serverFindings[f.id];
  Outbox.deleteFinding(f.id, findingUrl(f.id), onServer).then(refreshOutbox).then(function () { flush(false); });
}

function retryFinding(id) {
  var chain = Promise.resolve();
  S.outboxItems.forEach(function (item) {
    if (item.findingId === id && item.state === "attention") chain = chain.then(function () { return Outbox.retry(item.seq); });
  });
  chain.then(refreshOutbox).then(function () { flush(true); });
}

/* ------------------------------------------------------------------ after saving: photo, place */

function choosePhotos(findingId) {
  photoTarget = findingId;
  pageNote("");
  $("add-photo-input").click();
}

/* Each photo is downscaled, offered for blurring (one tap on "Spring over" keeps it as it is),
 * and only then written to the outbox, so an unblurred original never enters it; it is sent
 * after its finding. A photo the phone cannot decode (no width) cannot be blurred here. */
function addPhotosTo(findingId, files) {
  var url = photosUrl(findingId);
  var chain = Promise.resolve();
  Array.prototype.forEach.call(files, function (file) {
    chain = chain.then(function () { return downscale(file); })
      .then(function (result) {
        if (!result.width) return result.blob;
        return blurPhoto(result.blob, T.blurSkip).then(function (blurred) { return blurred || result.blob; });
      })
      .then(function (blob) { return Outbox.addPhoto(findingId, url, blob, uuid()); });
  });
  return chain.then(refreshOutbox).then(function () {
    requestSync();
    flush(false);
  }, function () { pageNote(T.photoFailed); });
}

$("add-photo-input").addEventListener("change", function (e) {
  var files = Array.prototype.slice.call(e.target.files || []);
  e.target.value = "";
  if (photoTarget && files.length) addPhotosTo(photoTarget, files);
});

function openMove(f) {
  moving = { finding: f, lat: f.lat, lon: f.lon, moved: false };
  $("move-dialog").hidden = false;
  document.body.classList.add("sheet-open");
  var start = L.latLng(f.lat, f.lon);
  if (!moveMap) {
    moveMap = pinMap("move-map");
    moveMarker = L.marker(start, { draggable: true, keyboard: true, alt: T.findingPlace }).addTo(moveMap);
    moveMarker.on("dragend", function () { var ll = moveMarker.getLatLng(); movedTo(ll.lat, ll.lng); });
    moveMap.on("click", function (e) { movedTo(e.latlng.lat, e.latlng.lng); });
  }
  moveMarker.setLatLng(start);
  moveMap.setView(start, 18);
  setTimeout(function () { moveMap.invalidateSize(); moveMap.setView(start, 18); }, 50);
  $("move-title").focus();
}

function movedTo(lat, lon) {
  if (!moving) return;
  moving.lat = lat;
  moving.lon = lon;
  moving.moved = true;
  moveMarker.setLatLng([lat, lon]);
  $("move-text").textContent = T.placeMoved;
}

var moveHint = $("move-text").textContent;

function closeMove() {
  $("move-dialog").hidden = true;
  document.body.classList.remove("sheet-open");
  moving = null;
  $("move-text").textContent = moveHint;
}

$("move-dialog").querySelector("[data-close]").addEventListener("click", closeMove);
$("move-save").addEventListener("click", function () {
  if (!moving) return;
  var id = moving.finding.id;
  // A place chosen by hand: the GPS accuracy no longer describes it.
  var changes = moving.moved
    ? { lat: moving.lat, lon: moving.lon, location_source: "map", accuracy_m: null } : null;
  closeMove();
  if (!changes) return;
  Outbox.editFinding(id, findingUrl(id), changes).then(refreshOutbox).then(function () {
    requestSync();
    flush(false);
  }, function () { pageNote(T.saveFailed); });
});
