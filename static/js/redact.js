/* "Slør område" on the staff finding page: draw boxes on a stored photo with the mouse or a
 * finger, confirm, and the server blurs them for good (POST /api/v1/photos/<id>/redact).
 * Boxes are kept in the photo's own pixels, so the page's scaling never moves them. */
import { fetchJson } from "./fetch-json.js";

const section = document.getElementById("redact");
const settings = JSON.parse(document.getElementById("redact-data").textContent);
const editor = section.querySelector(".redact-editor");
const stage = section.querySelector(".redact-stage");
const image = stage.querySelector("img");
const status = section.querySelector(".redact-status");
// Shorter than this (in photo pixels) is a tap, not a box.
const MIN_SIDE = 4;

let photo = null;
let boxes = [];
let start = null;
let draft = null;

function openPhoto(id) {
  photo = settings.photos.find(function (p) { return p.id === id; }) || null;
  if (!photo) return;
  boxes = [];
  status.textContent = "";
  image.src = photo.url;
  editor.hidden = false;
  render();
  editor.scrollIntoView({ block: "nearest" });
}

/* The pointer's place in photo pixels, kept inside the photo. */
function photoPoint(event) {
  const rect = image.getBoundingClientRect();
  const x = (event.clientX - rect.left) * (photo.width / rect.width);
  const y = (event.clientY - rect.top) * (photo.height / rect.height);
  return { x: Math.min(Math.max(x, 0), photo.width), y: Math.min(Math.max(y, 0), photo.height) };
}

function boxFrom(a, b) {
  return [Math.min(a.x, b.x), Math.min(a.y, b.y), Math.abs(a.x - b.x), Math.abs(a.y - b.y)]
    .map(function (v) { return Math.round(v); });
}

function place(element, box) {
  element.style.left = (100 * box[0] / photo.width) + "%";
  element.style.top = (100 * box[1] / photo.height) + "%";
  element.style.width = (100 * box[2] / photo.width) + "%";
  element.style.height = (100 * box[3] / photo.height) + "%";
}

function render() {
  stage.querySelectorAll(".redact-box").forEach(function (el) { el.remove(); });
  boxes.forEach(function (box) {
    const el = document.createElement("div");
    el.className = "redact-box";
    place(el, box);
    stage.appendChild(el);
  });
}

stage.addEventListener("pointerdown", function (event) {
  if (!photo) return;
  event.preventDefault();
  stage.setPointerCapture(event.pointerId);
  start = photoPoint(event);
  draft = document.createElement("div");
  draft.className = "redact-box is-draft";
  stage.appendChild(draft);
  place(draft, [start.x, start.y, 0, 0]);
});

stage.addEventListener("pointermove", function (event) {
  if (start) place(draft, boxFrom(start, photoPoint(event)));
});

function finish(event, keep) {
  if (!start) return;
  const box = boxFrom(start, photoPoint(event));
  start = null;
  draft.remove();
  draft = null;
  // Clipping to the photo can round a side past the edge; the server refuses that.
  box[2] = Math.min(box[2], photo.width - box[0]);
  box[3] = Math.min(box[3], photo.height - box[1]);
  if (keep && box[2] >= MIN_SIDE && box[3] >= MIN_SIDE) boxes.push(box);
  render();
}

stage.addEventListener("pointerup", function (event) { finish(event, true); });
stage.addEventListener("pointercancel", function (event) { finish(event, false); });

function send() {
  if (!boxes.length) {
    status.textContent = settings.texts.none;
    return;
  }
  if (!window.confirm(settings.texts.confirm)) return;
  const buttons = section.querySelectorAll("button");
  buttons.forEach(function (b) { b.disabled = true; });
  fetchJson(photo.api, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-CSRFToken": settings.csrf },
    body: JSON.stringify({ boxes: boxes }),
  }).then(function () {
    status.textContent = settings.texts.done;
    // The blurred photo has new URLs; the page shows them (and the history line) on reload.
    window.location.reload();
  }, function (error) {
    status.textContent = error.message || settings.texts.failed;
    buttons.forEach(function (b) { b.disabled = false; });
  });
}

section.querySelectorAll("button[data-photo]").forEach(function (button) {
  button.addEventListener("click", function () { openPhoto(button.dataset.photo); });
});
section.querySelector("[data-action=send]").addEventListener("click", send);
section.querySelector("[data-action=undo]").addEventListener("click", function () {
  boxes.pop();
  render();
});
section.querySelector("[data-action=cancel]").addEventListener("click", function () {
  boxes = [];
  photo = null;
  editor.hidden = true;
  status.textContent = "";
});
