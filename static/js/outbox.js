/* Offline outbox, storage part: findings, photos and edits are written to IndexedDB BEFORE
 * anything is sent, so nothing is lost when the phone loses coverage, reloads or restarts. An ES
 * module that the capture page and the (module) service worker both import; sending is in
 * outbox-send.js. */

var DB_NAME = "walkapp-outbox";
var STORE = "items";
var channel = typeof BroadcastChannel !== "undefined" ? new BroadcastChannel("outbox") : null;
var listeners = [];
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

export function all() {
  return tx("readonly", function (store, set) { reqValue(store.getAll(), set); })
    .then(function (items) { return (items || []).sort(function (a, b) { return a.seq - b.seq; }); });
}

export function put(item) {
  return tx("readwrite", function (store, set) { reqValue(store.put(item), set); });
}

export function remove(seq) {
  return tx("readwrite", function (store) { store.delete(seq); });
}

export function notify(detail) {
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

/* Queue a new finding (body as the API takes it; body.id is the phone-made uuid). patchUrl is
 * the finding's own URL, for turning a conflicting resend into an edit (outbox-send.js). */
export function addFinding(walkId, url, body, patchUrl) {
  return put(base("finding", { id: body.id, findingId: body.id, walkId: walkId, url: url, body: body,
    patchUrl: patchUrl }))
    .then(function () { notify(); });
}

/* Queue one photo (a Blob) for a finding; sent after that finding has been accepted. */
export function addPhoto(findingId, url, blob, photoId) {
  return put(base("photo", { id: photoId, findingId: findingId, url: url, blob: blob,
    filename: blob.type === "image/jpeg" ? "photo.jpg" : (blob.name || "photo") }))
    .then(function () { notify(); });
}

/* Queue one voice note (a Blob) for a finding; like a photo, sent after that finding. */
export function addAudio(findingId, url, blob, audioId, seconds) {
  return put(base("audio", { id: audioId, findingId: findingId, url: url, blob: blob, seconds: seconds }))
    .then(function () { notify(); });
}

/* "Same place": add my text to someone's finding. */
export function addAddition(findingId, url, body) {
  return put(base("addition", { id: body.id, findingId: findingId, url: url, body: body }))
    .then(function () { notify(); });
}

/* Edit my own finding: a waiting finding is changed in place, a sent one gets a PATCH queued. */
export function editFinding(findingId, url, changes) {
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
export function deleteFinding(findingId, url, alsoOnServer) {
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

export function summary(items) {
  var s = { waiting: 0, sending: 0, attention: 0, total: items.length };
  items.forEach(function (i) { s[i.state] = (s[i.state] || 0) + 1; });
  return s;
}

/* A user's "try again" on an item that needs attention. */
export function retry(seq) {
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
export function recover() {
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

/* Call fn with every change message, from this page, another tab or the service worker. */
export function onChange(fn) {
  listeners.push(fn);
}
