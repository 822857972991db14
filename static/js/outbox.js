/* Offline outbox: findings, photos and edits are written to IndexedDB BEFORE anything is sent,
 * so nothing is lost when the phone loses coverage, reloads or restarts. Plain JS that runs in
 * the page and in the service worker (self.Outbox). Items are sent oldest first; a finding's
 * photos wait until the finding itself has been accepted. */
(function (global) {
  "use strict";

  var DB_NAME = "walkapp-outbox";
  var STORE = "items";
  var BACKOFF_START_MS = 2000;
  var BACKOFF_CAP_MS = 120000;
  var channel = typeof BroadcastChannel !== "undefined" ? new BroadcastChannel("outbox") : null;
  var listeners = [];
  var localBusy = false;
  var dbPromise = null;

  function openDb() {
    if (dbPromise) return dbPromise;
    dbPromise = new Promise(function (resolve, reject) {
      var req = indexedDB.open(DB_NAME, 1);
      req.onupgradeneeded = function () {
        var store = req.result.createObjectStore(STORE, { keyPath: "seq", autoIncrement: true });
        store.createIndex("id", "id", { unique: false });
      };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { dbPromise = null; reject(req.error); };
    });
    return dbPromise;
  }

  function tx(mode, work) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var t = db.transaction(STORE, mode);
        var store = t.objectStore(STORE);
        var result;
        Promise.resolve(work(store, function (value) { result = value; }));
        t.oncomplete = function () { resolve(result); };
        t.onerror = function () { reject(t.error); };
        t.onabort = function () { reject(t.error || new Error("IndexedDB transaction aborted")); };
      });
    });
  }

  function reqValue(request, set) {
    request.onsuccess = function () { set(request.result); };
  }

  function all() {
    return tx("readonly", function (store, set) { reqValue(store.getAll(), set); })
      .then(function (items) { return (items || []).sort(function (a, b) { return a.seq - b.seq; }); });
  }

  function put(item) {
    return tx("readwrite", function (store, set) { reqValue(store.put(item), set); });
  }

  function remove(seq) {
    return tx("readwrite", function (store) { store.delete(seq); });
  }

  function notify(detail) {
    var message = detail || { type: "changed" };
    listeners.forEach(function (fn) { try { fn(message); } catch (e) { /* a listener's bug must not stop sending */ } });
    if (channel) channel.postMessage(message);
  }

  if (channel) {
    channel.onmessage = function (event) {
      listeners.forEach(function (fn) { try { fn(event.data); } catch (e) { /* see notify */ } });
    };
  }

  function base(kind, fields) {
    var item = { kind: kind, state: "waiting", attempts: 0, nextAttemptAt: 0, error: null,
      createdAt: new Date().toISOString() };
    Object.keys(fields).forEach(function (k) { item[k] = fields[k]; });
    return item;
  }

  /* Queue a new finding (body as the API takes it; body.id is the phone-made uuid). */
  function addFinding(walkId, url, body) {
    return put(base("finding", { id: body.id, findingId: body.id, walkId: walkId, url: url, body: body }))
      .then(function () { notify(); });
  }

  /* Queue one photo (a Blob) for a finding; sent after that finding has been accepted. */
  function addPhoto(findingId, url, blob, photoId) {
    return put(base("photo", { id: photoId, findingId: findingId, url: url, blob: blob,
      filename: blob.type === "image/jpeg" ? "photo.jpg" : (blob.name || "photo") }))
      .then(function () { notify(); });
  }

  /* "Same place": add my text to someone's finding. */
  function addAddition(findingId, url, body) {
    return put(base("addition", { id: body.id, findingId: findingId, url: url, body: body }))
      .then(function () { notify(); });
  }

  /* Edit my own finding: a waiting finding is changed in place, a sent one gets a PATCH queued. */
  function editFinding(findingId, url, changes) {
    return all().then(function (items) {
      var queued = items.filter(function (i) { return i.kind === "finding" && i.id === findingId; })[0];
      if (queued) {
        Object.keys(changes).forEach(function (k) { queued.body[k] = changes[k]; });
        if (queued.state === "attention") { queued.state = "waiting"; queued.error = null; queued.attempts = 0; queued.nextAttemptAt = 0; }
        return put(queued);
      }
      return put(base("patch", { id: findingId, findingId: findingId, url: url, body: changes }));
    }).then(function () { notify(); });
  }

  /* Delete my own finding: never-sent items simply leave the outbox, else a DELETE is queued. */
  function deleteFinding(findingId, url, alsoOnServer) {
    return all().then(function (items) {
      var mine = items.filter(function (i) { return i.findingId === findingId; });
      var queuedFinding = mine.some(function (i) { return i.kind === "finding"; });
      var chain = Promise.resolve();
      mine.forEach(function (i) { chain = chain.then(function () { return remove(i.seq); }); });
      if (alsoOnServer && !queuedFinding) {
        chain = chain.then(function () { return put(base("delete", { id: findingId, findingId: findingId, url: url })); });
      } else if (alsoOnServer && queuedFinding && mine.some(function (i) { return i.kind === "finding" && i.attempts > 0; })) {
        // An earlier attempt may have reached the server with its answer lost: delete there too.
        chain = chain.then(function () { return put(base("delete", { id: findingId, findingId: findingId, url: url, ignoreMissing: true })); });
      }
      return chain;
    }).then(function () { notify(); });
  }

  function summary(items) {
    var s = { waiting: 0, sending: 0, attention: 0, total: items.length };
    items.forEach(function (i) { s[i.state] = (s[i.state] || 0) + 1; });
    return s;
  }

  function backoff(attempts) {
    var delay = Math.min(BACKOFF_CAP_MS, BACKOFF_START_MS * Math.pow(2, Math.max(0, attempts - 1)));
    return delay * (0.8 + Math.random() * 0.4);
  }

  function fetchCsrf() {
    return fetch("/api/v1/csrf", { credentials: "same-origin", cache: "no-store",
      headers: { Accept: "application/json" } })
      .then(function (r) {
        if (!r.ok) throw new Error("csrf " + r.status);
        return r.json();
      })
      .then(function (data) { return data.csrf_token; });
  }

  function sameId(a, b) {
    return a != null && b != null && String(a).toLowerCase() === String(b).toLowerCase();
  }

  function request(item, token) {
    var headers = { "X-CSRFToken": token, Accept: "application/json" };
    var init = { method: "POST", credentials: "same-origin", headers: headers, cache: "no-store" };
    if (item.kind === "photo") {
      var form = new FormData();
      form.append("id", item.id);
      form.append("photo", item.blob, item.filename || "photo.jpg");
      init.body = form;
    } else if (item.kind === "delete") {
      init.method = "DELETE";
    } else {
      headers["Content-Type"] = "application/json";
      init.method = item.kind === "patch" ? "PATCH" : "POST";
      init.body = JSON.stringify(item.body);
    }
    return fetch(item.url, init);
  }

  function readJson(response) {
    return response.text().then(function (text) {
      try { return text ? JSON.parse(text) : null; } catch (e) { return null; }
    });
  }

  /* Did the server accept this item? Only a 2xx JSON answer that echoes the id counts. */
  function accepted(item, status, data) {
    if (item.kind === "delete") return status === 204 || status === 200 || (item.ignoreMissing && status === 404);
    if (status < 200 || status >= 300 || !data || typeof data !== "object") return false;
    if (item.kind === "finding" || item.kind === "patch") return sameId(data.id, item.findingId);
    // A photo already stored (same bytes) answers with the stored photo's id, which may be an
    // earlier upload's id; any JSON photo answer with an id means the bytes are on the server.
    if (item.kind === "photo") return data.id != null;
    return sameId(data.id, item.id) || sameId(data.id, item.findingId);
  }

  /* Send one item. Resolves "sent", "attention", "retry" (5xx/network) or "stale-csrf". */
  function sendOne(item, token) {
    return request(item, token).then(function (response) {
      return readJson(response).then(function (data) {
        if (accepted(item, response.status, data)) return { outcome: "sent", data: data };
        if (response.status === 409 && data && data.error === "conflict" && item.kind === "finding") {
          // Same id, other content: the id was made on this phone, so the server's copy is ours
          // from an earlier attempt whose answer was lost before the user edited the finding.
          // Turn it into an edit of that copy rather than bothering the user.
          var changes = {};
          ["category", "rating", "description", "lat", "lon", "accuracy_m", "location_source"].forEach(function (k) {
            if (k in item.body) changes[k] = item.body[k];
          });
          var patch = { kind: "patch", findingId: item.findingId, id: item.findingId,
            url: "/api/v1/findings/" + item.findingId, body: changes };
          return sendOne(patch, token).then(function (result) {
            if (result.outcome === "sent") return result;
            return { outcome: "attention", error: { code: "conflict", message: (data && data.message) || "conflict" } };
          });
        }
        if (response.status === 400 && data && String(data.error).indexOf("csrf") === 0) return { outcome: "stale-csrf" };
        if (response.status >= 500 || response.status === 429 || response.status === 408) {
          return { outcome: "retry", error: { code: "http_" + response.status, message: (data && data.message) || "" } };
        }
        if (response.status >= 200 && response.status < 300) {
          // A 2xx that does not echo our id (e.g. a captive portal's page): not proof of delivery.
          return { outcome: "retry", error: { code: "no_echo", message: "" } };
        }
        return { outcome: "attention", error: {
          code: (data && data.error) || "http_" + response.status,
          message: (data && data.message) || String(response.status) } };
      });
    }, function () {
      return { outcome: "retry", error: { code: "network", message: "" } };
    });
  }

  function withLock(work) {
    if (localBusy) return Promise.resolve(false);
    localBusy = true;
    var run = function () { return work(); };
    var locked = (typeof navigator !== "undefined" && navigator.locks && navigator.locks.request)
      ? navigator.locks.request("outbox", { ifAvailable: true }, function (lock) {
          return lock ? run().then(function () { return true; }) : false;
        })
      : run().then(function () { return true; });
    return locked.then(function (r) { localBusy = false; return r; },
      function (e) { localBusy = false; throw e; });
  }

  /* Send what is due, oldest first; never two flushes at once (page and service worker share a
   * Web Lock). options.force ignores back-off (used when the browser says we are online). */
  function flush(options) {
    var force = options && options.force;
    var report = { sent: [], retryAt: null };
    return withLock(function () {
      // Holding the lock, nothing else is sending: "sending" left by a closed tab is stale.
      return recover().then(all).then(function (items) {
        var now = Date.now();
        var due = items.filter(function (i) { return i.state !== "attention"; });
        if (!due.length) return null;
        if (!force && due[0].nextAttemptAt > now) { report.retryAt = due[0].nextAttemptAt; return null; }
        return fetchCsrf().then(function (token) { return drain(items, token, report); },
          function () {
            // No CSRF token means no network (or the server is down): try again later.
            report.retryAt = Date.now() + backoff((due[0].attempts || 0) + 1);
            return null;
          });
      });
    }).then(function (ran) {
      report.ran = ran;
      if (report.sent.length) notify({ type: "sent", items: report.sent });
      else notify();
      return report;
    });
  }

  function drain(items, token, report) {
    var blocked = {};
    var index = 0;
    var csrfRetried = false;
    function next() {
      if (index >= items.length) return Promise.resolve();
      var item = items[index];
      if (item.state === "attention") {
        if (item.kind === "finding") blocked[item.findingId] = true;
        index += 1;
        return next();
      }
      // Photos, additions and edits wait until their finding is on the server.
      if (item.kind !== "finding" && blocked[item.findingId]) { index += 1; return next(); }
      item.state = "sending";
      return put(item).then(function () {
        notify();
        return sendOne(item, token);
      }).then(function (result) {
        if (result.outcome === "stale-csrf" && !csrfRetried) {
          csrfRetried = true;
          return fetchCsrf().then(function (fresh) { token = fresh; return next(); });
        }
        if (result.outcome === "sent") {
          report.sent.push({ kind: item.kind, id: item.id, findingId: item.findingId, data: result.data });
          index += 1;
          return remove(item.seq).then(next);
        }
        if (result.outcome === "attention" || result.outcome === "stale-csrf") {
          item.state = "attention";
          item.error = result.error || { code: "csrf", message: "" };
          if (item.kind === "finding") blocked[item.findingId] = true;
          index += 1;
          return put(item).then(next);
        }
        // 5xx or no network: keep the order, stop here and come back after a back-off.
        item.state = "waiting";
        item.attempts = (item.attempts || 0) + 1;
        item.nextAttemptAt = Date.now() + backoff(item.attempts);
        item.error = result.error;
        report.retryAt = item.nextAttemptAt;
        return put(item);
      });
    }
    return next();
  }

  /* A user's "try again" on an item that needs attention. */
  function retry(seq) {
    return tx("readwrite", function (store) {
      var req = store.get(seq);
      req.onsuccess = function () {
        var item = req.result;
        if (!item) return;
        item.state = "waiting"; item.error = null; item.attempts = 0; item.nextAttemptAt = 0;
        store.put(item);
      };
    }).then(function () { notify(); });
  }

  /* Items left in "sending" by a closed tab are waiting again. */
  function recover() {
    return all().then(function (items) {
      var chain = Promise.resolve();
      items.forEach(function (i) {
        if (i.state === "sending") {
          i.state = "waiting";
          chain = chain.then(function () { return put(i); });
        }
      });
      return chain;
    });
  }

  global.Outbox = {
    all: all,
    addFinding: addFinding,
    addPhoto: addPhoto,
    addAddition: addAddition,
    editFinding: editFinding,
    deleteFinding: deleteFinding,
    flush: flush,
    retry: retry,
    recover: recover,
    summary: summary,
    remove: remove,
    onChange: function (fn) { listeners.push(fn); },
  };
})(typeof self !== "undefined" ? self : this);
