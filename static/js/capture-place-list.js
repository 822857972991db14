/* Capture sheet, "Kan du ikke bruge kortet?": a finding placed with no map interaction at all,
 * for people who cannot see or touch the map — at my position (GPS), at a numbered point of the
 * route or the meeting point chosen from a list, or by a few words ("ved opgang 12"). Also the
 * live region that says "Gemt" / "Venter på net" after a save, since the sheet closes on save
 * and a screen reader user would otherwise hear nothing. */
import { $, Outbox, state, walk } from "./capture-state.js";
import { placePin } from "./capture-sheet.js";

var S = state;
var T = JSON.parse($("place-list-strings").textContent);

/* The list's points: the meeting point first, then the route's vertices numbered 1…n. */
function routeCoordinates(route) {
  if (!route || !route.coordinates) return [];
  if (route.type === "LineString") return route.coordinates;
  if (route.type === "MultiLineString") return [].concat.apply([], route.coordinates);
  return [];
}

var points = [];
if (walk.meeting) {
  points.push({ lat: walk.meeting.lat, lon: walk.meeting.lon,
    label: walk.meeting.label ? T.meeting + ": " + walk.meeting.label : T.meeting });
}
routeCoordinates(walk.route).forEach(function (c, i) {
  points.push({ lat: c[1], lon: c[0], label: T.point.replace("{n}", i + 1) });
});

var select = $("place-route-point");
points.forEach(function (p, i) {
  var option = document.createElement("option");
  option.value = String(i);
  option.textContent = p.label;
  select.appendChild(option);
});

var toggle = $("place-list-toggle");
var panel = $("place-list-panel");
var words = $("place-words");

function setOpen(open) {
  toggle.setAttribute("aria-expanded", open ? "true" : "false");
  panel.hidden = !open;
}

/* Put the place; the label is what the place text then says (read out by its live region). */
function put(lat, lon, source, label) {
  var d = S.draft;
  if (!d) return;
  // The list is the person's explicit choice: it replaces any earlier place, the map's too.
  d.source = "none";
  d.placeLabel = label;
  placePin(lat, lon, source);
}

/* For words alone the finding still needs a point: my position, else the meeting point or the
 * route's start (the words then tell staff where it really is). */
function fallbackPoint() {
  var d = S.draft;
  if (d && d.lat != null && d.source !== "none") return { lat: d.lat, lon: d.lon };
  if (S.gps) return { lat: S.gps.lat, lon: S.gps.lon };
  return points[0] || null;
}

toggle.addEventListener("click", function () {
  var open = toggle.getAttribute("aria-expanded") !== "true";
  setOpen(open);
  if (open) $("place-at-me").focus();
});

$("place-at-me").addEventListener("click", function () {
  if (!S.draft) return;
  if (!S.gps) {
    $("place-text").textContent = T.noPosition;
    return;
  }
  words.value = "";
  S.draft.locationText = "";
  put(S.gps.lat, S.gps.lon, "gps", null);
});

select.addEventListener("change", function () {
  var point = points[Number(select.value)];
  if (!point || select.value === "" || !S.draft) return;
  words.value = "";
  S.draft.locationText = "";
  put(point.lat, point.lon, "route_point", T.placedAt.replace("{p}", point.label));
});

words.addEventListener("input", function () {
  var d = S.draft;
  if (!d) return;
  var text = words.value.trim();
  if (!text) {
    // The words taken back: no place until one is chosen again (or a fix arrives).
    d.locationText = "";
    if (d.source === "text") {
      d.source = "none";
      d.lat = d.lon = null;
      if (S.gps) placePin(S.gps.lat, S.gps.lon, "gps");
    }
    return;
  }
  var at = fallbackPoint();
  if (!at) return;
  d.locationText = text;
  // Typing letter by letter: keep the point found first, only the words change.
  if (d.source === "text") {
    d.placeLabel = T.byWords.replace("{t}", text);
    placePin(d.lat, d.lon, "text");
  } else {
    put(at.lat, at.lon, "text", T.byWords.replace("{t}", text));
  }
});

/* The sheet opens for a new finding: the list closed and empty again. */
export function resetPlaceList() {
  setOpen(false);
  select.value = "";
  words.value = "";
}

/* The place text for a place this list put (capture-sheet.js updatePlaceText asks). */
export function placeListText(d) {
  return d.placeLabel || "";
}

/* ------------------------------------------------------------------ the live region */

var live = document.createElement("p");
live.id = "saved-live";
live.className = "visually-hidden";
live.setAttribute("role", "status");
live.setAttribute("aria-live", "polite");
document.body.appendChild(live);

var waitingFor = false;

function say(text) {
  // Emptied first, so the same words said twice are read twice.
  live.textContent = "";
  setTimeout(function () { live.textContent = text; }, 50);
}

/* After a save: "Gemt" once the outbox is empty, "Venter på net" while something waits to be
 * sent; and "Gemt" again when what waited has gone. `sending` is the send pass just started. */
export function announceSaved(sending) {
  Promise.resolve(sending).then(function () { return Outbox.all(); }).then(function (items) {
    waitingFor = items.length > 0;
    say(waitingFor ? T.waiting : T.saved);
  }).catch(function () { say(T.saved); });
}

Outbox.onChange(function (message) {
  if (!waitingFor || !message || message.type !== "sent") return;
  Outbox.all().then(function (items) {
    if (items.length === 0 && waitingFor) { waitingFor = false; say(T.saved); }
  });
});
