/* Capture page, sending: one pass of the outbox now (and again when its back-off ends), and
 * asking the browser for a Background Sync, which the service worker answers. */
import { api } from "./capture-state.js";
import { flush as flushOutbox } from "./outbox-send.js";

let retryTimer = null;


export function flush(force) {
  return flushOutbox({ force: force, csrfUrl: api.csrf }).then(function (report) {
    if (retryTimer) { clearTimeout(retryTimer); retryTimer = null; }
    if (report && report.retryAt) {
      retryTimer = setTimeout(function () { flush(false); }, Math.max(500, report.retryAt - Date.now() + 50));
    }
    return report;
  }).catch(function () { /* IndexedDB unavailable: nothing to send */ });
}

export function requestSync() {
  if (!("serviceWorker" in navigator)) return;
  navigator.serviceWorker.ready.then(function (registration) {
    if (registration.sync) return registration.sync.register("outbox");
    return null;
  }).catch(function () { /* Background Sync is an extra; the page's own triggers still run */ });
}

