/* "Slør" on the capture sheet: before a photo is queued, the participant may paint over faces
 * and number plates with a finger (or drag a box). Every stroke paints a pixelated, smoothed copy
 * of the photo over the pixels under it; "Færdig" encodes the result as JPEG and that JPEG
 * REPLACES the photo in the draft. The outbox (IndexedDB) only ever gets the blurred photo, so the
 * unblurred pixels never leave the phone. Pixelation keeps nothing but block averages: no
 * sharpening brings a face or a plate back. The photo is already upright (photo.js decodes it
 * by its EXIF orientation and writes no EXIF); decoding "from-image" here keeps a photo upright
 * that photo.js passed through untouched. */
import { toBlob } from "./photo.js";
import { $, T, el } from "./capture-state.js";

// A finger-thick brush on the screen (CSS px radius), whatever the photo's own size.
var BRUSH_RADIUS_CSS = 24;
// A blurred block is 1/32 of the photo's longer side: a face 100 px wide in a 2048 px photo is
// under two blocks, a number plate one; the smoothing on top hides the blocks' edges.
var BLOCKS_PER_SIDE = 32;
var MIN_BLOCK = 12;
// A box drag shorter than this (CSS px) is a slip of the finger, not a box.
var MIN_BOX_CSS = 8;
// The keyboard box: its starting size and how far one arrow press moves or grows it (of the photo).
var KEY_BOX = 0.3;
var KEY_STEP = 0.04;

/* ------------------------------------------------------------------ pixels */

function canvasOf(width, height) {
  var canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  return canvas;
}

/* A copy of `source` (width × height) in which nothing smaller than a block survives: scaled down
 * to one pixel per block, scaled up smoothly, then blurred where the browser has canvas filters. */
export function blurredCopy(source, width, height) {
  var block = Math.max(MIN_BLOCK, Math.round(Math.max(width, height) / BLOCKS_PER_SIDE));
  var small = canvasOf(Math.max(1, Math.ceil(width / block)), Math.max(1, Math.ceil(height / block)));
  var sctx = small.getContext("2d");
  sctx.imageSmoothingEnabled = true;
  sctx.imageSmoothingQuality = "high";
  sctx.drawImage(source, 0, 0, small.width, small.height);
  var up = canvasOf(width, height);
  var uctx = up.getContext("2d");
  uctx.imageSmoothingEnabled = true;
  uctx.imageSmoothingQuality = "high";
  uctx.drawImage(small, 0, 0, width, height);
  if (!("filter" in uctx)) return up;
  var out = canvasOf(width, height);
  var octx = out.getContext("2d");
  octx.filter = "blur(" + Math.round(block / 2) + "px)";
  octx.drawImage(up, 0, 0);
  // The filter fades to transparent at the photo's edges; fill that with the unfiltered copy.
  octx.filter = "none";
  octx.globalCompositeOperation = "destination-over";
  octx.drawImage(up, 0, 0);
  return out;
}

/* Paint one stroke with the blurred copy (a pattern at the canvas origin, so every pixel painted
 * is the blurred pixel of the same place). `from`: redraw a brush stroke from that point on. */
function paint(ed, stroke, from) {
  var ctx = ed.ctx;
  ctx.fillStyle = ed.pattern;
  ctx.strokeStyle = ed.pattern;
  if (stroke.type === "box") {
    ctx.fillRect(stroke.x, stroke.y, stroke.w, stroke.h);
    return;
  }
  var points = stroke.points;
  var start = Math.max(0, from || 0);
  if (points.length - start === 1) {
    ctx.beginPath();
    ctx.arc(points[start][0], points[start][1], stroke.r, 0, 2 * Math.PI);
    ctx.fill();
    return;
  }
  ctx.lineWidth = 2 * stroke.r;
  ctx.lineCap = "round";
  ctx.lineJoin = "round";
  ctx.beginPath();
  ctx.moveTo(points[start][0], points[start][1]);
  for (var i = start + 1; i < points.length; i += 1) ctx.lineTo(points[i][0], points[i][1]);
  ctx.stroke();
}

function render(ed) {
  ed.ctx.drawImage(ed.original, 0, 0);
  ed.strokes.forEach(function (s) { paint(ed, s); });
}

function outline(ed, box) {
  var ctx = ed.ctx;
  var scale = cssScale(ed);
  ctx.save();
  ctx.lineWidth = 3 * scale;
  ctx.setLineDash([8 * scale, 6 * scale]);
  ctx.strokeStyle = "#ffd23f";
  ctx.strokeRect(box.x, box.y, box.w, box.h);
  ctx.lineDashOffset = 7 * scale;
  ctx.strokeStyle = "#111";
  ctx.strokeRect(box.x, box.y, box.w, box.h);
  ctx.restore();
}

/* ------------------------------------------------------------------ the editor */

var ed = null; // the open editor: {canvas, ctx, original, pattern, strokes, tool, current, keyBox, resolve}

function cssScale(e) {
  var rect = e.canvas.getBoundingClientRect();
  return rect.width ? e.canvas.width / rect.width : 1;
}

function pointOf(e, event) {
  var rect = e.canvas.getBoundingClientRect();
  var x = (event.clientX - rect.left) * e.canvas.width / rect.width;
  var y = (event.clientY - rect.top) * e.canvas.height / rect.height;
  return [Math.max(0, Math.min(e.canvas.width, x)), Math.max(0, Math.min(e.canvas.height, y))];
}

function boxOf(a, b) {
  return { type: "box", x: Math.min(a[0], b[0]), y: Math.min(a[1], b[1]), w: Math.abs(a[0] - b[0]), h: Math.abs(a[1] - b[1]) };
}

function updateControls() {
  $("blur-undo").disabled = !ed || ed.strokes.length === 0;
  $("blur-status").textContent = ed && ed.strokes.length ? T.blurCount.replace("{n}", ed.strokes.length) : "";
  ["brush", "box"].forEach(function (tool) {
    $("blur-tool-" + tool).setAttribute("aria-pressed", String(!!ed && ed.tool === tool));
  });
}

function addStroke(stroke) {
  ed.strokes.push(stroke);
  render(ed);
  updateControls();
}

function onPointerDown(event) {
  if (!ed || !ed.pattern || !event.isPrimary || event.button > 0) return;
  event.preventDefault();
  ed.canvas.setPointerCapture(event.pointerId);
  var p = pointOf(ed, event);
  if (ed.tool === "brush") {
    ed.current = { type: "brush", r: BRUSH_RADIUS_CSS * cssScale(ed), points: [p] };
    paint(ed, ed.current);
  } else {
    ed.current = { type: "drag", start: p, end: p };
  }
}

function onPointerMove(event) {
  if (!ed || !ed.current || !event.isPrimary) return;
  var p = pointOf(ed, event);
  if (ed.current.type === "brush") {
    ed.current.points.push(p);
    paint(ed, ed.current, ed.current.points.length - 2);
  } else {
    ed.current.end = p;
    render(ed);
    outline(ed, boxOf(ed.current.start, p));
  }
}

function onPointerUp(event) {
  if (!ed || !ed.current || !event.isPrimary) return;
  var current = ed.current;
  ed.current = null;
  if (current.type === "brush") { addStroke(current); return; }
  if (event.type !== "pointercancel") current.end = pointOf(ed, event);
  var box = boxOf(current.start, current.end);
  var min = MIN_BOX_CSS * cssScale(ed);
  if (box.w >= min && box.h >= min) addStroke(box);
  else render(ed);
}

/* Keyboard: the focused photo shows a box; arrows move it, Shift+arrows resize it, Enter blurs. */
function showKeyBox() {
  if (!ed || !ed.pattern) return;
  if (!ed.keyBox) {
    var w = ed.canvas.width * KEY_BOX;
    var h = ed.canvas.height * KEY_BOX;
    ed.keyBox = { x: (ed.canvas.width - w) / 2, y: (ed.canvas.height - h) / 2, w: w, h: h };
  }
  render(ed);
  outline(ed, ed.keyBox);
}

function onKey(event) {
  if (!ed || !ed.pattern) return;
  if (!ed.keyBox) showKeyBox();
  var k = ed.keyBox;
  var dx = { ArrowLeft: -1, ArrowRight: 1 }[event.key] || 0;
  var dy = { ArrowUp: -1, ArrowDown: 1 }[event.key] || 0;
  if (event.key === "Enter" || event.key === " ") {
    event.preventDefault();
    addStroke({ type: "box", x: k.x, y: k.y, w: k.w, h: k.h });
    showKeyBox();
    return;
  }
  if (!dx && !dy) return;
  event.preventDefault();
  var W = ed.canvas.width;
  var H = ed.canvas.height;
  var step = KEY_STEP * Math.max(W, H);
  if (event.shiftKey) {
    k.w = Math.max(step, Math.min(W - k.x, k.w + dx * step));
    k.h = Math.max(step, Math.min(H - k.y, k.h + dy * step));
  } else {
    k.x = Math.max(0, Math.min(W - k.w, k.x + dx * step));
    k.y = Math.max(0, Math.min(H - k.h, k.y + dy * step));
  }
  showKeyBox();
}

function close(result) {
  if (!ed) return;
  var done = ed;
  ed = null;
  $("blur-dialog").hidden = true;
  $("sheet").inert = false;
  // Let go of the full-size canvases now: the original pixels should not linger in memory.
  done.canvas.width = 0;
  done.canvas.height = 0;
  done.original.width = 0;
  done.resolve(result);
  if (done.returnFocus && done.returnFocus.isConnected) done.returnFocus.focus();
}

/* Open the editor on a photo blob. Resolves the blurred JPEG blob, or null when the person
 * cancels, blurs nothing, or the phone cannot decode the photo. `cancelLabel` renames the
 * cancel button where cancelling means "keep the photo as it is" (the photo is added anyway). */
export function blurPhoto(blob, cancelLabel) {
  if (ed) close(null);
  $("blur-cancel").textContent = cancelLabel || T.cancel;
  return new Promise(function (resolve) {
    var canvas = $("blur-canvas");
    ed = { canvas: canvas, ctx: canvas.getContext("2d"), original: canvasOf(1, 1), pattern: null, strokes: [],
      tool: "brush", current: null, keyBox: null, resolve: resolve, returnFocus: document.activeElement };
    var mine = ed;
    $("blur-error").hidden = true;
    $("blur-dialog").hidden = false;
    $("sheet").inert = true;
    canvas.removeAttribute("data-ready");
    updateControls();
    $("blur-title").focus();
    createImageBitmap(blob, { imageOrientation: "from-image" }).then(function (bitmap) {
      if (ed !== mine) { bitmap.close(); return; }
      mine.original = canvasOf(bitmap.width, bitmap.height);
      mine.original.getContext("2d").drawImage(bitmap, 0, 0);
      bitmap.close();
      canvas.width = mine.original.width;
      canvas.height = mine.original.height;
      mine.pattern = mine.ctx.createPattern(blurredCopy(mine.original, canvas.width, canvas.height), "no-repeat");
      render(mine);
      canvas.setAttribute("data-ready", "");
    }).catch(function () {
      if (ed !== mine) return;
      $("blur-error").hidden = false;
    });
  });
}

function finish() {
  if (!ed) return;
  if (!ed.pattern || ed.strokes.length === 0) { close(null); return; }
  var e = ed;
  render(e); // without a keyboard box outline
  $("blur-done").disabled = true;
  toBlob(e.canvas).then(function (blob) {
    $("blur-done").disabled = false;
    if (ed === e) close(blob);
  }, function () {
    $("blur-done").disabled = false;
    $("blur-error").hidden = false;
  });
}

/* ------------------------------------------------------------------ the offer on the sheet */

var undecided = []; // [{photo, li}] photos added to the sheet that were neither blurred nor skipped

/* The offer is under the photos while a photo waits for the choice, and out of the page after. */
function refreshOffer() {
  undecided = undecided.filter(function (entry) { return entry.li.isConnected; });
  var offer = $("blur-offer");
  if (!undecided.length) {
    if (offer) offer.remove();
    return;
  }
  if (offer) return;
  $("photo-thumbs").after($("blur-offer-template").content.cloneNode(true));
  $("blur-start").addEventListener("click", startBlur);
  $("blur-skip").addEventListener("click", skip);
  $("blur-offer").scrollIntoView({ block: "nearest" });
}

function settle(entry) {
  undecided = undecided.filter(function (e) { return e !== entry; });
  refreshOffer();
}

/* Put the blurred blob in the photo's place; the original's object URL goes with it. */
function replace(photo, li, blob) {
  var old = photo.url;
  photo.blob = blob;
  photo.url = URL.createObjectURL(blob);
  var img = li.querySelector("img");
  if (img) img.src = photo.url;
  URL.revokeObjectURL(old);
  li.classList.add("blurred");
  if (!li.querySelector(".blur-badge")) li.appendChild(el("span", { "class": "blur-badge" }, T.blurred));
}

function blurEntry(entry) {
  return blurPhoto(entry.photo.blob).then(function (blob) {
    if (blob && entry.li.isConnected) {
      replace(entry.photo, entry.li, blob);
      settle(entry);
    }
    return blob;
  });
}

function startBlur() {
  refreshOffer();
  if (!undecided.length) return;
  var entry = undecided[0];
  blurEntry(entry).then(function () {
    // Back where the person was: the offer for the next photo, or this photo's own button.
    var next = $("blur-start") || entry.li.querySelector(".blur-photo");
    if (next) next.focus();
  });
}

function skip() {
  undecided = [];
  refreshOffer();
  var next = document.querySelector("#step-details .rating-button");
  if (next) next.focus();
}

/* The capture sheet's hook: a photo ({id, blob, url}) was added as the thumbnail `li`. It is
 * offered for blurring, and keeps its own "Blur" button for later. Saving without deciding
 * queues it as it is, as "Spring over" does. */
export function offerBlur(photo, li) {
  var entry = { photo: photo, li: li };
  var button = el("button", { type: "button", "class": "button blur-photo", "aria-label": T.blurPhoto }, T.blurShort);
  button.addEventListener("click", function () { blurEntry(entry); });
  li.appendChild(button);
  undecided.push(entry);
  refreshOffer();
}

// Removing a thumbnail or opening a new sheet empties the list: the offer follows it.
new MutationObserver(refreshOffer).observe($("photo-thumbs"), { childList: true });

$("blur-tool-brush").addEventListener("click", function () { if (ed) { ed.tool = "brush"; updateControls(); } });
$("blur-tool-box").addEventListener("click", function () { if (ed) { ed.tool = "box"; updateControls(); } });
$("blur-undo").addEventListener("click", function () {
  if (!ed || !ed.strokes.length) return;
  ed.strokes.pop();
  render(ed);
  updateControls();
});
$("blur-done").addEventListener("click", finish);
$("blur-cancel").addEventListener("click", function () { close(null); });
$("blur-dialog").addEventListener("keydown", function (event) {
  if (event.key === "Escape") { event.preventDefault(); close(null); }
});

var canvas = $("blur-canvas");
canvas.addEventListener("pointerdown", onPointerDown);
canvas.addEventListener("pointermove", onPointerMove);
canvas.addEventListener("pointerup", onPointerUp);
canvas.addEventListener("pointercancel", onPointerUp);
canvas.addEventListener("keydown", onKey);
// Only a keyboard focus shows the box: a finger's tap also focuses the canvas.
canvas.addEventListener("focus", function () { if (canvas.matches(":focus-visible")) showKeyBox(); });
canvas.addEventListener("blur", function () { if (ed && ed.pattern && !ed.current) render(ed); });
