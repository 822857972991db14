/* Meeting mode: the chair walks through a walk's findings in route order and decides each one.
 *
 * Everything comes from the server: URLs, words and the route from the #meeting-settings block,
 * the agenda (order, numbers, decisions) from the agenda API, polled so another chair's
 * decisions appear, the findings (photos, text, rating, earlier reports) from the walk's
 * findings API. Text typed by participants is only ever set with textContent.
 * Keys: ←/→ or K/J move, 1–5 choose the decision, Enter saves, Esc cancels. */
import { fetchJson } from "./fetch-json.js";
import { L, createMap, ratingColour, showDefaultView, toLatLngs } from "./map.js";

const settings = JSON.parse(document.getElementById("meeting-settings").textContent);
const labels = settings.labels;
const ACTIONS = ["measure", "attach", "duplicate", "dismiss", "park"];
const UNDECIDED = ["new", "parked"];
const MARKERS = { measure: "✓", triaged: "✓", dismiss: "✕", duplicate: "=", park: "‖" };

const $ = function (id) { return document.getElementById(id); };
const form = $("decision-form");
const message = $("decision-message");

let agenda = { items: [], measures: [], decided: 0, total: 0 };
let findings = {};
let current = 0;
let shownKey = "";
let busy = false;
let polling = false;
let map = null;
let marker = null;

function format(template, values) {
  return String(template).replace(/%\((\w+)\)s/g, function (_, key) {
    return values[key] === undefined || values[key] === null ? "" : String(values[key]);
  });
}

function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
}

function item() { return agenda.items[current] || null; }

function categoryName(code) { return settings.categories[code] || code || ""; }

function decisionText(decision) {
  if (!decision) return labels.undecided;
  if (decision.action === "duplicate") return format(labels.decided.duplicate, { number: decision.of_number || "?" });
  let text = labels.decided[decision.action] || decision.action;
  if (decision.action === "measure") text += ": " + decision.title;
  if (decision.action === "dismiss") text += ": " + decision.reason;
  if (decision.by) text += " (" + format(labels.by, { who: decision.by }) + ")";
  return text;
}

/* ------------------------------------------------------------ rendering */

function renderAgenda() {
  const list = $("agenda-list");
  list.replaceChildren();
  agenda.items.forEach(function (entry, index) {
    const li = el("li", "agenda-item state-" + (entry.decision ? entry.decision.action : "new"));
    const button = el("button", "agenda-button");
    button.type = "button";
    button.tabIndex = -1;
    button.dataset.index = String(index);
    button.appendChild(el("span", "agenda-number", String(entry.number)));
    button.appendChild(el("span", "agenda-category", categoryName(entry.category)));
    const mark = el("span", "agenda-mark", entry.decision ? MARKERS[entry.decision.action] || "✓" : "○");
    mark.title = decisionText(entry.decision);
    button.appendChild(mark);
    if (index === current) button.setAttribute("aria-current", "true");
    button.addEventListener("click", function () { show(index); });
    li.appendChild(button);
    list.appendChild(li);
  });
  $("meeting-progress").textContent = format(labels.progress, { done: agenda.decided, total: agenda.total });
  const active = list.querySelector('[aria-current="true"]');
  if (active) active.scrollIntoView({ block: "nearest" });
}

function renderPhotos(props) {
  const box = $("current-photos");
  box.replaceChildren();
  const photos = ((props && props.photos) || []).filter(function (photo) {
    return settings.hiddenPhotos.indexOf(photo.id) === -1;
  });
  if (!photos.length) { box.appendChild(el("p", "muted", labels.no_photos)); return; }
  photos.forEach(function (photo, index) {
    const img = el("img", index === 0 ? "photo-main" : "photo-thumb");
    img.src = index === 0 ? photo.url : photo.thumb_url;
    img.alt = "";
    img.addEventListener("click", function () {
      const main = box.querySelector(".photo-main");
      if (main) main.src = photo.url;
    });
    box.appendChild(img);
  });
}

function renderEarlier(props) {
  const box = $("current-earlier");
  box.replaceChildren();
  const earlier = props && Array.isArray(props.earlier) ? props.earlier : [];
  box.hidden = earlier.length === 0;
  if (!earlier.length) return;
  box.appendChild(el("h3", null, labels.earlier));
  const list = el("ul");
  earlier.forEach(function (entry) {
    const status = labels.statuses[entry.measure_status || "none"] || entry.measure_status;
    list.appendChild(el("li", null, format(labels.earlier_item,
      { year: entry.year, distance: Math.round(Number(entry.distance_m) || 0) }) + " – " + status));
  });
  box.appendChild(list);
}

function renderMap(feature) {
  if (!map) {
    map = createMap("current-map", { attributionControl: false });
    const route = settings.route;
    if (route && route.type === "LineString") {
      L.polyline(toLatLngs(route.coordinates), { color: "#c0392b", weight: 4, opacity: 0.8 }).addTo(map);
    }
  }
  if (marker) { marker.remove(); marker = null; }
  const coords = feature && feature.geometry && feature.geometry.coordinates;
  if (!coords) { showDefaultView(map); return; }
  const latLng = [Number(coords[1]), Number(coords[0])];
  marker = L.circleMarker(latLng, { radius: 11, color: "#fff", weight: 3,
    fillColor: ratingColour(feature.properties.rating), fillOpacity: 1 }).addTo(map);
  map.setView(latLng, 17);
}

function fillChoices(entry) {
  const measureSelect = $("a-measure");
  measureSelect.replaceChildren();
  agenda.measures.filter(function (m) { return m.numbers.indexOf(entry.number) === -1; })
    .forEach(function (m) {
      const option = el("option", null, m.title + " (#" + m.numbers.join(", #") + ")");
      option.value = String(m.measure_id);
      measureSelect.appendChild(option);
    });
  if (!measureSelect.options.length) {
    const none = el("option", null, labels.no_measures);
    none.value = "";
    measureSelect.appendChild(none);
  }
  const ofSelect = $("d-of");
  ofSelect.replaceChildren();
  agenda.items.forEach(function (other) {
    if (other.finding_id === entry.finding_id) return;
    const option = el("option", null, other.number + " – " + categoryName(other.category));
    option.value = other.finding_id;
    ofSelect.appendChild(option);
  });
}

function chosen() {
  const radio = form.querySelector('input[name="action"]:checked');
  return radio ? radio.value : "";
}

function showFields(action) {
  form.querySelectorAll(".decision-fields").forEach(function (box) { box.hidden = box.dataset.for !== action; });
}

function resetForm(entry) {
  form.reset();
  showFields("");
  $("m-title").value = categoryName(entry.category);
  fillChoices(entry);
}

/* The decision panel: the form while the finding is undecided, else what was decided. */
function renderDecision(entry) {
  const undecided = UNDECIDED.indexOf(entry.state) !== -1;
  form.hidden = !undecided;
  const done = $("decision-done");
  done.hidden = undecided && !entry.decision;
  done.textContent = decisionText(entry.decision);
}

function renderCurrent(force) {
  const entry = item();
  if (!entry) return;
  // Re-render only what changed: a poll must not wipe what the chair is typing.
  const key = entry.finding_id + "|" + entry.state + "|" + JSON.stringify(entry.decision);
  const moved = force || shownKey.split("|")[0] !== entry.finding_id;
  if (!moved && key === shownKey) return;
  shownKey = key;
  const feature = findings[entry.finding_id];
  const props = (feature && feature.properties) || {};
  $("current-number").textContent = format(labels.number, { number: entry.number });
  $("current-category").textContent = categoryName(entry.category);
  $("current-state").textContent = decisionText(entry.decision);
  const rating = props.rating;
  const ratingEl = $("current-rating");
  ratingEl.textContent = rating === null || rating === undefined ? labels.no_rating : labels.ratings[String(rating)];
  ratingEl.style.borderColor = ratingColour(rating);
  $("current-text").textContent = props.description || "";
  renderPhotos(props);
  renderEarlier(props);
  renderMap(feature);
  if (moved) {
    resetForm(entry);
    message.textContent = "";
    message.className = "decision-message";
  }
  renderDecision(entry);
}

function show(index) {
  if (index < 0 || index >= agenda.items.length) return;
  current = index;
  renderAgenda();
  renderCurrent(true);
}

/* ------------------------------------------------------------ data */

function loadAgenda() {
  return fetchJson(settings.agendaUrl, { cache: "no-store" }).then(function (data) {
    const keep = item() ? item().finding_id : null;
    agenda = data;
    const again = keep ? agenda.items.findIndex(function (e) { return e.finding_id === keep; }) : -1;
    current = again >= 0 ? again : Math.min(current, Math.max(agenda.items.length - 1, 0));
    renderAgenda();
    renderCurrent(false);
  });
}

function loadFindings() {
  return fetchJson(settings.findingsUrl, { cache: "no-store" }).then(function (collection) {
    findings = {};
    ((collection && collection.features) || []).forEach(function (f) { findings[String(f.id)] = f; });
  });
}

function poll() {
  if (polling || busy) return;
  polling = true;
  loadAgenda().catch(function () { /* the next poll tries again */ }).finally(function () { polling = false; });
}

/* ------------------------------------------------------------ deciding */

function say(text, kind) {
  message.textContent = text;
  message.className = "decision-message " + kind;
}

function payload(action) {
  const body = { action: action };
  if (action === "measure") {
    body.title = $("m-title").value;
    body.responsible_org = $("m-org").value ? Number($("m-org").value) : null;
    body.due_on = $("m-due").value || null;
    body.cost_estimate_dkk = $("m-cost").value === "" ? null : Number($("m-cost").value);
  } else if (action === "attach") {
    body.measure_id = $("a-measure").value ? Number($("a-measure").value) : null;
  } else if (action === "duplicate") {
    body.of = $("d-of").value;
  } else if (action === "dismiss") {
    body.reason = $("x-reason").value;
  }
  return body;
}

/* The next finding nobody has looked at yet (parked ones wait for the end), after `from`
 * first, then from the top; `from` itself when every finding has been dealt with. */
function nextUndecided(from) {
  const count = agenda.items.length;
  for (let step = 1; step < count; step += 1) {
    const index = (from + step) % count;
    if (agenda.items[index].state === "new") return index;
  }
  return from;
}

function submit() {
  const entry = item();
  if (!entry || busy || form.hidden) return;
  const action = chosen();
  if (!action) { say(labels.choose, "error"); return; }
  busy = true;
  const decided = current;
  fetchJson(settings.decisionUrl.replace("FINDING_ID", entry.finding_id), {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
    body: JSON.stringify(payload(action)),
  }).then(function () {
    if (document.activeElement && document.activeElement.blur) document.activeElement.blur();
    return loadAgenda().then(function () {
      show(nextUndecided(decided));
      say(labels.saved, "ok");
    });
  }, function (error) {
    if (!error.status) { say(labels.offline, "error"); return null; }
    say(labels.refused + ": " + error.message, "error");
    if (error.status === 409) {
      // Someone else decided it: show the finding as it is now, refusal kept in view.
      const refusal = message.textContent;
      return Promise.all([loadFindings(), loadAgenda()]).then(function () {
        renderCurrent(true);
        say(refusal, "error");
      });
    }
    return null;
  }).catch(function () { say(labels.offline, "error"); })
    .finally(function () { busy = false; });
}

function choose(action) {
  const entry = item();
  if (!entry || form.hidden) return;
  const radio = form.querySelector('input[name="action"][value="' + action + '"]');
  radio.checked = true;
  showFields(action);
  message.textContent = "";
  const first = form.querySelector('.decision-fields[data-for="' + action + '"] input, .decision-fields[data-for="' + action + '"] select');
  if (first) {
    first.focus();
    if (first.type === "text") first.setSelectionRange(first.value.length, first.value.length);
  }
}

function cancel() {
  if (document.activeElement && document.activeElement.blur) document.activeElement.blur();
  const entry = item();
  if (entry) resetForm(entry);
  message.textContent = "";
}

form.addEventListener("change", function (event) {
  if (event.target.name === "action") showFields(event.target.value);
});
form.addEventListener("submit", function (event) { event.preventDefault(); submit(); });

document.addEventListener("keydown", function (event) {
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  const target = event.target;
  const typing = target && (target.tagName === "INPUT" && target.type !== "radio" || target.tagName === "SELECT" || target.tagName === "TEXTAREA");
  if (event.key === "Escape") { event.preventDefault(); cancel(); return; }
  if (event.key === "Enter") {
    // A focused link or agenda button does what Enter does to it: follow it, press it.
    if (target && (target.tagName === "A" || target.tagName === "BUTTON" && !form.contains(target))) return;
    event.preventDefault();
    submit();
    return;
  }
  if (typing) return;
  if (event.key === "ArrowRight" || event.key === "j" || event.key === "J") { event.preventDefault(); show(current + 1); return; }
  if (event.key === "ArrowLeft" || event.key === "k" || event.key === "K") { event.preventDefault(); show(current - 1); return; }
  const digit = "12345".indexOf(event.key);
  if (digit !== -1) { event.preventDefault(); choose(ACTIONS[digit]); }
});

Promise.all([loadFindings(), loadAgenda()]).then(function () {
  const first = agenda.items.findIndex(function (e) { return UNDECIDED.indexOf(e.state) !== -1; });
  show(first >= 0 ? first : 0);
}).catch(function () { say(labels.offline, "error"); });
window.setInterval(poll, settings.pollMs || 3000);
