/* Capture page, shared part: the page's data (from the server's JSON blocks, URLs included),
 * the state the other capture-*.js modules share and the findings as the person sees them
 * (server findings with the outbox laid over them). */
import { fetchJson } from "./fetch-json.js";
import * as Outbox from "./outbox.js";
import { renderIndicator } from "./sync-status.js";

export { Outbox };

function json(id) { return JSON.parse(document.getElementById(id).textContent); }
export function $(id) { return document.getElementById(id); }

const categories = json("categories-data");
export const categoryByCode = {};
categories.forEach(function (c) { categoryByCode[c.code] = c; });

export const walk = json("walk-data");
// URLs of the API and the worker, from the server; a finding's own URLs have an "__id__" slot.
export const api = json("capture-api");
export const T = json("capture-strings");
// Participants add and edit findings while the walk is open; staff also after it closed.
export const canCapture = !walk.capture_closed || json("capture-viewer").staff;
// These are reassigned (e.g. on every outbox read): read them through state, never copy.
export const state = {
  serverFindings: {}, // id → finding properties (+ lat/lon) from GET …/findings
  outboxItems: [],
  gps: null, // {lat, lon, accuracy}
  gpsState: "waiting", // "ok" after a fix, "off" when the phone says there will be none
  draft: null, // the finding being made in the sheet
};
const S = state;

export function el(tag, attrs, text) {
  const node = document.createElement(tag);
  Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
  if (text != null) node.textContent = text;
  return node;
}

function withId(template, id) { return template.replace("__id__", encodeURIComponent(id)); }
export function findingUrl(id) { return withId(api.finding, id); }
export function photosUrl(id) { return withId(api.photos, id); }
export function additionsUrl(id) { return withId(api.additions, id); }

export function uuid() {
  if (self.crypto && crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
  const h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
  return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
}

/* A message above the map or list (a photo or a language change that did not work). */
export function pageNote(text) {
  const box = $("page-note");
  box.textContent = text || "";
  box.hidden = !text;
}

export function categoryName(code, fallback) {
  return (categoryByCode[code] && categoryByCode[code].name) || fallback || code;
}

export function ratingGroup(container, onPick) {
  container.querySelectorAll(".rating-button").forEach(function (b) {
    b.addEventListener("click", function () {
      const pressed = b.getAttribute("aria-pressed") === "true";
      container.querySelectorAll(".rating-button").forEach(function (o) { o.setAttribute("aria-pressed", "false"); });
      b.setAttribute("aria-pressed", pressed ? "false" : "true");
      onPick(pressed ? null : Number(b.getAttribute("data-rating")));
    });
  });
}

export function allFindings() {
  // Server findings, with my queued (not yet sent) findings and edits laid over them.
  const list = {};
  Object.keys(S.serverFindings).forEach(function (id) { list[id] = Object.assign({}, S.serverFindings[id]); });
  S.outboxItems.forEach(function (item) {
    if (item.kind === "finding") {
      const b = item.body;
      list[item.id] = Object.assign(list[item.id] || {}, {
        id: item.id, lat: b.lat, lon: b.lon, category: b.category, rating: b.rating,
        description: b.description, observed_at: b.observed_at, mine: true, photos: (list[item.id] || {}).photos || [],
      });
    } else if (item.kind === "patch" && list[item.findingId]) {
      Object.assign(list[item.findingId], item.body);
    } else if (item.kind === "delete") {
      delete list[item.findingId];
    }
  });
  // Newest first, by time: each stamp carries its own offset (a phone's, the server's Copenhagen
  // time), so as text they need not sort. (localeCompare also cost ~30 ms at start on a slow phone.)
  return Object.keys(list).map(function (id) { return list[id]; })
    .sort(function (a, b) { return observedTime(b) - observedTime(a); });
}

function observedTime(finding) {
  const time = Date.parse(finding.observed_at || "");
  return isNaN(time) ? 0 : time;
}

// The map and the list register here how they draw the findings (they import this module).
const views = [];
export function onRender(draw) { views.push(draw); }

export function render() {
  const findings = allFindings();
  views.forEach(function (draw) { draw(findings); });
  renderIndicator($("sync-status"), S.outboxItems, T);
}

export function loadServerFindings() {
  return fetchJson(api.findings).then(function (data) {
    const next = {};
    (data.features || []).forEach(function (f) {
      const p = Object.assign({}, f.properties);
      p.id = p.id || f.id;
      p.lon = f.geometry.coordinates[0];
      p.lat = f.geometry.coordinates[1];
      next[p.id] = p;
    });
    S.serverFindings = next;
    render();
  }).catch(function () { /* offline without a cached copy: show what the outbox has */ });
}

export function refreshOutbox() {
  return Outbox.all().then(function (items) { S.outboxItems = items; render(); });
}
