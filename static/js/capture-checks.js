/* Capture page of a follow-up walk: the previous walk's findings on the map (a marker of their
 * own) and in the list "Fra sidste vandring", each to be marked Løst / Stadig et problem /
 * Værre with an optional note and photo. The findings come embedded in the page (so the
 * worker's copy has them offline); a verdict goes into the SAME outbox as findings (kind
 * "check", its photos wait for it), survives reloads and is sent once like everything else. */
import { L, categoryIconUrl } from "./map.js";
import { downscale } from "./photo.js";
import { errorOf, findingState } from "./sync-status.js";
import { $, Outbox, categoryByCode, el, onRender, refreshOutbox, state, uuid } from "./capture-state.js";
import { flush, requestSync } from "./capture-send.js";
import { map } from "./capture-map.js";
import { showList } from "./capture-list.js";

const data = JSON.parse($("follow-up-data").textContent);
const T = JSON.parse($("follow-up-strings").textContent);
const pageT = JSON.parse($("capture-strings").textContent);
const S = state;
const TAP = 48;
const VERDICTS = ["fixed", "still", "worse"];

const serverChecks = {}; // check id → check as the server has it (mine and others')
data.checks.forEach(function (c) { serverChecks[c.id] = c; });
const drafts = {}; // finding id → {verdict, files}
const rows = {}; // finding id → {li, status, chosen, error}
const markers = {}; // finding id → Leaflet marker

function photosUrl(checkId) { return data.api.photos.replace("__id__", encodeURIComponent(checkId)); }

/* My checks of a finding, oldest first: the server's, then those still in the outbox. */
function myChecks(findingId) {
  const mine = Object.keys(serverChecks).map(function (id) { return serverChecks[id]; })
    .filter(function (c) { return c.mine && c.finding_id === findingId; })
    .sort(function (a, b) { return String(a.created_at).localeCompare(String(b.created_at)); });
  S.outboxItems.forEach(function (item) {
    if (item.kind === "check" && item.body.finding_id === findingId && !serverChecks[item.id]) {
      mine.push({ id: item.id, finding_id: findingId, verdict: item.body.verdict, note: item.body.note });
    }
  });
  return mine;
}

function measureText(finding) {
  if (!finding.measures.length) return T.noMeasure;
  return finding.measures.map(function (m) {
    return T.measure.replace("{t}", m.title).replace("{s}", m.status_label);
  }).join(" · ");
}

function verdictButtons(finding) {
  const group = el("div", { "class": "verdict-buttons", role: "group", "aria-label": T.previousFinding });
  VERDICTS.forEach(function (verdict) {
    const b = el("button", { type: "button", "class": "verdict-button v-" + verdict, "data-verdict": verdict,
      "aria-pressed": "false" }, T[verdict]);
    b.addEventListener("click", function () {
      const draft = drafts[finding.id];
      draft.verdict = draft.verdict === verdict ? null : verdict;
      group.querySelectorAll(".verdict-button").forEach(function (o) {
        o.setAttribute("aria-pressed", o.getAttribute("data-verdict") === draft.verdict ? "true" : "false");
      });
      rows[finding.id].error.hidden = true;
    });
    group.appendChild(b);
  });
  return group;
}

/* One list item per finding, built once: re-renders only update its status line, so a note
 * being typed or a photo being chosen is never lost when the outbox changes. */
function buildRow(finding) {
  drafts[finding.id] = { verdict: null, files: [] };
  const li = el("li", { "class": "previous-item", "data-id": finding.id, tabindex: "-1" });
  const head = el("div", { "class": "finding-head" });
  const cat = categoryByCode[finding.category];
  if (cat) head.appendChild(el("img", { src: categoryIconUrl(cat.icon), alt: "", width: "32", height: "32" }));
  head.appendChild(el("strong", {}, finding.category_name));
  li.appendChild(head);
  if (finding.description) li.appendChild(el("p", { "class": "description" }, finding.description));
  li.appendChild(el("p", { "class": "measure-text" }, measureText(finding)));
  li.appendChild(verdictButtons(finding));
  const noteId = "note-" + finding.id;
  li.appendChild(el("label", { "for": noteId }, T.note));
  const note = el("textarea", { id: noteId, "class": "check-note", maxlength: "2000", rows: "2" });
  li.appendChild(note);
  const photoId = "check-photo-" + finding.id;
  const photoLabel = el("label", { "for": photoId, "class": "button check-photo-button" }, T.addPhoto);
  const input = el("input", { type: "file", id: photoId, "class": "visually-hidden check-photo-input",
    accept: "image/*", capture: "environment", multiple: "" });
  const chosen = el("span", { "class": "muted photos-chosen" });
  input.addEventListener("change", function () {
    drafts[finding.id].files = drafts[finding.id].files.concat(Array.prototype.slice.call(input.files || []));
    input.value = "";
    chosen.textContent = T.photosChosen.replace("{n}", String(drafts[finding.id].files.length));
  });
  const actions = el("div", { "class": "actions" });
  actions.appendChild(photoLabel);
  actions.appendChild(input);
  actions.appendChild(chosen);
  const save = el("button", { type: "button", "class": "button primary save-check" }, T.save);
  save.addEventListener("click", function () { saveCheck(finding, note, chosen); });
  actions.appendChild(save);
  li.appendChild(actions);
  const error = el("p", { "class": "error", role: "alert", hidden: "" });
  li.appendChild(error);
  const status = el("p", { "class": "check-status", "aria-live": "polite" });
  li.appendChild(status);
  rows[finding.id] = { li: li, status: status, chosen: chosen, error: error, note: note };
  return li;
}

function saveCheck(finding, note, chosen) {
  const draft = drafts[finding.id];
  const row = rows[finding.id];
  if (!draft.verdict) {
    row.error.textContent = T.chooseVerdict;
    row.error.hidden = false;
    return;
  }
  const id = uuid();
  const now = new Date().toISOString();
  // The outbox's own item shape (outbox.js), kind "check": findingId is the check's id, so
  // its photos wait for it exactly as a finding's photos wait for the finding.
  const item = { kind: "check", state: "waiting", attempts: 0, nextAttemptAt: 0, error: null, createdAt: now,
    id: id, findingId: id, url: data.api.checks,
    body: { id: id, finding_id: finding.id, verdict: draft.verdict, note: note.value.trim(), observed_at: now } };
  const files = draft.files;
  let chain = Outbox.put(item);
  files.forEach(function (file) {
    chain = chain.then(function () { return downscale(file); })
      .then(function (result) { return Outbox.addPhoto(id, photosUrl(id), result.blob, uuid()); });
  });
  chain.then(function () {
    drafts[finding.id] = { verdict: null, files: [] };
    note.value = "";
    chosen.textContent = "";
    row.li.querySelectorAll(".verdict-button").forEach(function (b) { b.setAttribute("aria-pressed", "false"); });
    Outbox.notify();
    return refreshOutbox();
  }).then(function () {
    requestSync();
    flush(false);
  }, function () {
    row.error.textContent = T.saveFailed;
    row.error.hidden = false;
  });
}

function markerIcon(finding, verdict) {
  const face = el("span", { "class": "marker-previous-face" });
  const cat = categoryByCode[finding.category];
  face.appendChild(el("img", { src: categoryIconUrl(cat && cat.icon), alt: "", width: "22", height: "22" }));
  return L.divIcon({ className: "marker-previous" + (verdict ? " checked v-" + verdict : ""), html: face,
    iconSize: [TAP, TAP], iconAnchor: [TAP / 2, TAP / 2] });
}

function buildMarker(finding) {
  const marker = L.marker([finding.lat, finding.lon], { icon: markerIcon(finding, null), keyboard: true, zIndexOffset: -50 });
  marker.on("click", function () {
    showList();
    rows[finding.id].li.scrollIntoView({ block: "center" });
    rows[finding.id].li.focus();
  });
  marker.addTo(map);
  markers[finding.id] = marker;
}

const list = $("previous-list");
data.findings.forEach(function (finding) {
  list.appendChild(buildRow(finding));
  if (typeof finding.lat === "number") buildMarker(finding);
});

onRender(function renderChecks() {
  data.findings.forEach(function (finding) {
    const checks = myChecks(finding.id);
    const last = checks[checks.length - 1];
    const row = rows[finding.id];
    row.li.setAttribute("data-verdict", last ? last.verdict : "");
    const marker = markers[finding.id];
    const label = T.previousFinding + ": " + finding.category_name + (last ? " · " + T[last.verdict] : "");
    if (marker) {
      marker.setIcon(markerIcon(finding, last && last.verdict));
      marker.unbindTooltip().bindTooltip(el("span", null, label));
      const node = marker.getElement();
      if (node) { node.setAttribute("aria-label", label); node.setAttribute("data-previous-id", finding.id); }
    }
    if (!last) { row.status.textContent = ""; row.li.removeAttribute("data-state"); return; }
    const sync = findingState(last.id, S.outboxItems);
    row.li.setAttribute("data-state", sync);
    row.status.textContent = T.yourVerdict.replace("{v}", T[last.verdict]) + " · " + pageT[sync];
    if (sync === "attention") row.status.textContent += " " + errorOf(last.id, S.outboxItems, pageT);
  });
});

// A sent check leaves the outbox: keep the server's answer so the verdict stays shown.
Outbox.onChange(function (message) {
  if (!message || message.type !== "sent") return;
  message.items.forEach(function (s) {
    if (s.kind === "check" && s.data && s.data.id) serverChecks[s.data.id] = s.data;
  });
});
