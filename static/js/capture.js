/* Capture page, start-up: the triggers that send the outbox (page load, online, a timer), the
 * service worker registration and the language switch. The page's one module script: it
 * imports the map (capture-map.js), the list (capture-list.js) and the "New finding" sheet
 * (capture-sheet.js), which set themselves up; shared data is in capture-state.js. */
import { fetchJson } from "./fetch-json.js";
import { Outbox, T, api, loadServerFindings, pageNote, refreshOutbox, state } from "./capture-state.js";
import { flush } from "./capture-send.js";
import "./capture-map.js";
import "./capture-list.js";
import "./capture-sheet.js";

const S = state;
const FLUSH_EVERY_MS = 20000;

Outbox.onChange(function (message) {
  refreshOutbox();
  if (message && message.type === "sent") {
    message.items.forEach(function (s) {
      if (s.kind === "finding" && s.data && s.data.id) {
        var p = Object.assign({}, s.data);
        S.serverFindings[p.id] = Object.assign(S.serverFindings[p.id] || {}, p);
      }
    });
    loadServerFindings();
  }
});

window.addEventListener("online", function () { flush(true); loadServerFindings(); });
setInterval(function () {
  if (S.outboxItems.some(function (i) { return i.state !== "attention"; })) flush(false);
}, FLUSH_EVERY_MS);

if (navigator.storage && navigator.storage.persist) {
  navigator.storage.persisted().then(function (yes) { return yes || navigator.storage.persist(); })
    .catch(function () { /* best effort */ });
}

if ("serviceWorker" in navigator) {
  // A module worker: it imports the same outbox modules as this page. Its imports skip the HTTP
  // cache on updates, so a new worker never starts with an older outbox-send.js.
  const options = { scope: api.scope, type: "module", updateViaCache: "none" };
  navigator.serviceWorker.register(api.serviceWorker, options).then(function () {
    return navigator.serviceWorker.ready;
  }).then(function (registration) {
    // The first visit was not served by the worker: it keeps this page and the list for offline use.
    registration.active.postMessage({ type: "cache-page", url: location.href, findings: api.findings });
  }).catch(function () { /* without a worker the outbox still works while the page is open */ });
}

/* ------------------------------------------------------------------ language */

// The da/en switch posts in the background and then reloads: offline, or with a token gone
// stale in a page kept for days, a plain form post would leave the walk for the browser's
// error page. The outbox is in IndexedDB, so the reload keeps every waiting finding.
var languageSwitch = document.querySelector(".capture-top .language-switch");
if (languageSwitch) {
  languageSwitch.addEventListener("submit", function (event) {
    event.preventDefault();
    var body = new FormData(languageSwitch);
    // Each language is its own button with its own formaction (templates/_language_choices.html).
    var target = (event.submitter && event.submitter.formAction) || languageSwitch.action;
    fetchJson(api.csrf, { cache: "no-store" })
      .then(function (data) {
        body.set("csrf_token", data.csrf_token);
        return fetch(target, { method: "POST", body: body, credentials: "same-origin", redirect: "manual" });
      })
      .then(function (response) {
        // The answer is a redirect back here; redirect: "manual" shows it as "opaqueredirect".
        if (response.type !== "opaqueredirect" && !response.ok) throw new Error(String(response.status));
        location.reload();
      })
      .catch(function () { pageNote(T.langOffline); });
  });
}

refreshOutbox().then(function () { return flush(true); });
loadServerFindings();
