/* Capture page, start-up and sending: the triggers that send the outbox (page load, online, a
 * timer, Background Sync), the service worker registration and keeping the page for offline use.
 * Shared data is in capture-state.js, the map in capture-map.js, the list in capture-list.js and
 * the "New finding" sheet in capture-sheet.js; this file is loaded last. */
/* global Outbox */
(function () {
  "use strict";

  var C = window.Capture;
  var S = C.state;
  var api = C.api;

  var FLUSH_EVERY_MS = 20000;
  // Where the service worker finds the capture page to open when the app starts offline.
  var LAST_CAPTURE_KEY = "/__last-capture";

  var retryTimer = null;

  C.flush = flush;
  C.requestSync = requestSync;

  /* ------------------------------------------------------------------ sending */

  function flush(force) {
    return Outbox.flush({ force: force }).then(function (report) {
      if (retryTimer) { clearTimeout(retryTimer); retryTimer = null; }
      if (report && report.retryAt) {
        retryTimer = setTimeout(function () { flush(false); }, Math.max(500, report.retryAt - Date.now() + 50));
      }
      return report;
    }).catch(function () { /* IndexedDB unavailable: nothing to send */ });
  }

  function requestSync() {
    if (!("serviceWorker" in navigator)) return;
    navigator.serviceWorker.ready.then(function (registration) {
      if (registration.sync) return registration.sync.register("outbox");
      return null;
    }).catch(function () { /* Background Sync is an extra; the page's own triggers still run */ });
  }

  Outbox.onChange(function (message) {
    C.refreshOutbox();
    if (message && message.type === "sent") {
      message.items.forEach(function (s) {
        if (s.kind === "finding" && s.data && s.data.id) {
          var p = Object.assign({}, s.data);
          S.serverFindings[p.id] = Object.assign(S.serverFindings[p.id] || {}, p);
        }
      });
      C.loadServerFindings();
    }
  });

  window.addEventListener("online", function () { flush(true); C.loadServerFindings(); });
  setInterval(function () {
    if (S.outboxItems.some(function (i) { return i.state !== "attention"; })) flush(false);
  }, FLUSH_EVERY_MS);

  if (navigator.storage && navigator.storage.persist) {
    navigator.storage.persisted().then(function (yes) { return yes || navigator.storage.persist(); })
      .catch(function () { /* best effort */ });
  }

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function () {
      // The first visit was not served by the worker: keep this page and the list for offline use.
      if (!window.caches) return null;
      return Promise.all([
        caches.open("pages").then(function (c) {
          return c.add(location.pathname).then(function () {
            return c.put(LAST_CAPTURE_KEY, new Response(JSON.stringify({ url: location.pathname }),
              { headers: { "Content-Type": "application/json" } }));
          });
        }),
        caches.open("api").then(function (c) { return c.add(api.findings); }),
      ]);
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
      fetch(api.csrf, { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } })
        .then(function (r) { if (!r.ok) throw new Error(String(r.status)); return r.json(); })
        .then(function (data) {
          body.set("csrf_token", data.csrf_token);
          return fetch(languageSwitch.action, { method: "POST", body: body, credentials: "same-origin", redirect: "manual" });
        })
        .then(function (response) {
          // The answer is a redirect back here; redirect: "manual" shows it as "opaqueredirect".
          if (response.type !== "opaqueredirect" && !response.ok) throw new Error(String(response.status));
          location.reload();
        })
        .catch(function () { C.pageNote(C.T.langOffline); });
    });
  }

  C.refreshOutbox().then(function () { return flush(true); });
  C.loadServerFindings();
  window.captureApp = { flush: flush, refresh: C.refreshOutbox };
})();
