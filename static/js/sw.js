/* Service worker, a module worker (served by walkapp/pwa/views.py, which puts SW_SETTINGS in
 * front: version, precache list, tile host, offline page and text, and every URL this worker
 * needs; it also points the relative imports below at the static files they name). Pages:
 * network first, cache fallback; offline, the start page "/" opens the capture page kept last,
 * any other page gets the offline page. Static files: cache first. Map tiles: a bounded runtime
 * cache. API GETs: network first with a cache fallback so the findings list shows offline.
 * Writes are never cached; they go through the IndexedDB outbox, which this worker also
 * flushes on Background Sync with the same modules the capture page imports. */
/* global SW_SETTINGS */
import { flush } from "./outbox-send.js";

var SETTINGS = SW_SETTINGS;
var SHELL_CACHE = "shell-" + SETTINGS.version;
// Pages and API answers are kept across versions: after an update while offline the last
// copy of the capture page must still be there.
var PAGE_CACHE = "pages";
var API_CACHE = "api";
var TILE_CACHE = "tiles";
var TILE_LIMIT = 300;

// Where the capture page last kept for offline use is recorded.
var LAST_CAPTURE_KEY = "/__last-capture";

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(SHELL_CACHE)
      .then(function (cache) { return cache.addAll(SETTINGS.precache); })
      .then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) {
        return name.indexOf("shell-") === 0 && name !== SHELL_CACHE;
      }).map(function (name) { return caches.delete(name); }));
    }).then(function () { return self.clients.claim(); })
  );
});

function isTile(url) {
  return SETTINGS.tileHost && url.origin !== self.location.origin &&
    (url.host === SETTINGS.tileHost || url.host.slice(-SETTINGS.tileHost.length - 1) === "." + SETTINGS.tileHost);
}

function trimCache(name, limit) {
  return caches.open(name).then(function (cache) {
    return cache.keys().then(function (keys) {
      // keys() lists in insertion order: the oldest go first.
      var extra = keys.length - limit;
      var chain = Promise.resolve();
      for (var i = 0; i < extra; i += 1) {
        (function (key) { chain = chain.then(function () { return cache.delete(key); }); })(keys[i]);
      }
      return chain;
    });
  });
}

function tile(request) {
  return caches.open(TILE_CACHE).then(function (cache) {
    return cache.match(request).then(function (hit) {
      if (hit) return hit;
      return fetch(request).then(function (response) {
        // Only real (CORS) answers: Chromium counts every opaque response as ~7 MB of quota, so
        // 300 of them could crowd out the outbox, which holds findings that are not sent yet.
        if (response.ok && response.type !== "opaque") {
          cache.put(request, response.clone()).then(function () { return trimCache(TILE_CACHE, TILE_LIMIT); });
        }
        return response;
      });
    });
  });
}

// SETTINGS.capturePage is the capture pages' path with "__id__" where the walk id goes.
var CAPTURE_PAGE = new RegExp("^" + SETTINGS.capturePage.split("__id__").map(function (part) {
  return part.replace(/[.*+?^${}()|[\]\\\/]/g, "\\$&");
}).join("\\d+") + "/?$");

function isCapturePage(url) {
  return CAPTURE_PAGE.test(url.pathname);
}

function keepCapturePage(pathname, response) {
  return caches.open(PAGE_CACHE).then(function (cache) {
    return cache.put(pathname, response).then(function () {
      return cache.put(LAST_CAPTURE_KEY, new Response(JSON.stringify({ url: pathname }),
        { headers: { "Content-Type": "application/json" } }));
    });
  });
}

/* The capture page kept most recently, if any (its path). */
function lastCapturePage() {
  return caches.open(PAGE_CACHE).then(function (cache) {
    return cache.match(LAST_CAPTURE_KEY).then(function (hit) { return hit ? hit.json() : null; })
      .then(function (record) {
        if (!record || !record.url) return null;
        return cache.match(record.url).then(function (page) { return page ? record.url : null; });
      });
  }).catch(function () { return null; });
}

function offlineAnswer() {
  return caches.match(SETTINGS.offlineUrl).then(function (hit) {
    return hit || new Response(SETTINGS.offlineText, { status: 503, headers: { "Content-Type": "text/plain; charset=utf-8" } });
  });
}

function page(request) {
  var url = new URL(request.url);
  return fetch(request).then(function (response) {
    if (response.ok && !response.redirected && response.type === "basic" && isCapturePage(url)) {
      keepCapturePage(url.pathname, response.clone());
    }
    return response;
  }).catch(function () {
    return caches.open(PAGE_CACHE)
      .then(function (cache) { return cache.match(url.pathname); })
      .then(function (hit) {
        if (hit) return hit;
        // The installed app starts at "/", which is never kept: open the walk the phone was on
        // (its outbox and map work offline). Other pages get the offline page, which links there.
        if (url.pathname !== SETTINGS.startUrl) return offlineAnswer();
        return lastCapturePage().then(function (capture) {
          return capture ? Response.redirect(capture, 302) : offlineAnswer();
        });
      });
  });
}

function staticFile(request) {
  return caches.match(request, { ignoreSearch: true }).then(function (hit) {
    if (hit) return hit;
    return fetch(request).then(function (response) {
      if (response.ok && response.type === "basic") {
        var copy = response.clone();
        caches.open(SHELL_CACHE).then(function (cache) { return cache.put(request, copy); });
      }
      return response;
    });
  });
}

function apiGet(request) {
  return fetch(request).then(function (response) {
    if (response.ok) {
      var copy = response.clone();
      caches.open(API_CACHE).then(function (cache) { return cache.put(request, copy); });
    }
    return response;
  }).catch(function () {
    return caches.open(API_CACHE).then(function (cache) { return cache.match(request); }).then(function (hit) {
      return hit || new Response(JSON.stringify({ error: "offline", message: SETTINGS.offlineText }),
        { status: 503, headers: { "Content-Type": "application/json" } });
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return; // writes go to the network (the outbox retries them)
  var url = new URL(request.url);
  if (isTile(url)) { event.respondWith(tile(request)); return; }
  if (url.origin !== self.location.origin) return;
  if (url.pathname === SETTINGS.workerUrl) return;
  if (request.mode === "navigate") { event.respondWith(page(request)); return; }
  if (url.pathname.indexOf(SETTINGS.staticPrefix) === 0) { event.respondWith(staticFile(request)); return; }
  // A fresh CSRF token must never come from a cache.
  if (url.pathname.indexOf(SETTINGS.apiPrefix) === 0 && url.pathname !== SETTINGS.csrfUrl) {
    event.respondWith(apiGet(request));
  }
});

self.addEventListener("sync", function (event) {
  if (event.tag === "outbox") {
    event.waitUntil(flush({ force: true, csrfUrl: SETTINGS.csrfUrl }).then(function (report) {
      // Ask the browser to call again while something is still waiting.
      if (report && report.retryAt) throw new Error("outbox not empty");
    }));
  }
});

/* The capture page asks for itself and its findings list to be kept when its first visit was not
 * served by this worker (then no fetch passed through here): this worker is the one place that
 * caches pages. */
self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.type !== "cache-page" || !data.url) return;
  var url = new URL(data.url);
  if (url.origin !== self.location.origin || !isCapturePage(url)) return;
  var jobs = [fetch(url.pathname, { credentials: "same-origin" }).then(function (response) {
    if (response.ok && !response.redirected) return keepCapturePage(url.pathname, response);
    return null;
  })];
  if (data.findings) {
    var list = new URL(data.findings, self.location.origin);
    if (list.origin === self.location.origin) {
      jobs.push(caches.open(API_CACHE).then(function (cache) { return cache.add(list.pathname); }));
    }
  }
  event.waitUntil(Promise.all(jobs).catch(function () { return null; }));
});
