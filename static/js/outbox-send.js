/* Offline outbox, sending part: flush(), imported by the capture page and the service worker.
 * Items are sent oldest first. An item leaves the outbox only after a 2xx JSON answer that
 * echoes its id. Items of one finding keep their order (its photos, additions and edits wait
 * until the finding itself has been accepted), but one finding the server keeps failing never
 * holds back the others: it goes into back-off and the pass continues. Answers are read by
 * fetch-json.js, the one place that knows the API's error shape. */
import { fetchAnswer, fetchJson } from "./fetch-json.js";
import { all, notify, put, recover, remove } from "./outbox.js";

var BACKOFF_START_MS = 2000;
var BACKOFF_CAP_MS = 120000;
var localBusy = false;

function backoff(attempts) {
  var delay = Math.min(BACKOFF_CAP_MS, BACKOFF_START_MS * Math.pow(2, Math.max(0, attempts - 1)));
  return delay * (0.8 + Math.random() * 0.4);
}

function fetchCsrf(url) {
  return fetchJson(url, { cache: "no-store" }).then(function (data) { return data.csrf_token; });
}

function sameId(a, b) {
  return a != null && b != null && String(a).toLowerCase() === String(b).toLowerCase();
}

function request(item, token) {
  var headers = { "X-CSRFToken": token };
  var init = { method: "POST", headers: headers, cache: "no-store" };
  if (item.kind === "photo") {
    var form = new FormData();
    form.append("id", item.id);
    form.append("photo", item.blob, item.filename || "photo.jpg");
    init.body = form;
  } else if (item.kind === "audio") {
    var note = new FormData();
    note.append("id", item.id);
    if (item.seconds != null) note.append("duration_s", String(item.seconds));
    note.append("audio", item.blob, "voice-note");
    init.body = note;
  } else if (item.kind === "delete") {
    init.method = "DELETE";
  } else {
    headers["Content-Type"] = "application/json";
    init.method = item.kind === "patch" ? "PATCH" : "POST";
    init.body = JSON.stringify(item.body);
  }
  return fetchAnswer(item.url, init);
}

/* Did the server accept this item? Only a 2xx JSON answer that echoes the id counts. */
function accepted(item, status, data) {
  if (item.kind === "delete") return status === 204 || status === 200 || (item.ignoreMissing && status === 404);
  if (status < 200 || status >= 300 || !data || typeof data !== "object") return false;
  if (item.kind === "finding" || item.kind === "patch") return sameId(data.id, item.findingId);
  // A photo already stored (same bytes) answers with the stored photo's id, which may be an
  // earlier upload's id; any JSON photo answer with an id means the bytes are on the server.
  if (item.kind === "photo" || item.kind === "audio") return data.id != null;
  return sameId(data.id, item.id) || sameId(data.id, item.findingId);
}

/* Send one item. Resolves "sent", "attention", "retry" (5xx/network) or "stale-csrf". Error
 * messages are the server's (already translated); codes alone are turned into words by the page. */
function sendOne(item, token) {
  return request(item, token).then(function (answer) {
    var status = answer.status;
    var data = answer.data;
    if (accepted(item, status, data)) return { outcome: "sent", data: data };
    var error = answer.error || { code: "http_" + status, message: "" };
    if (status === 409 && error.code === "conflict" && item.kind === "finding" && item.patchUrl) {
      // Same id, other content: the id was made on this phone, so the server's copy is ours
      // from an earlier attempt whose answer was lost before the user edited the finding.
      // Turn it into an edit of that copy rather than bothering the user.
      var changes = {};
      ["category", "rating", "description", "lat", "lon", "accuracy_m", "location_source"].forEach(function (k) {
        if (k in item.body) changes[k] = item.body[k];
      });
      var patch = { kind: "patch", findingId: item.findingId, id: item.findingId,
        url: item.patchUrl, body: changes };
      return sendOne(patch, token).then(function (result) {
        if (result.outcome === "sent") return result;
        return { outcome: "attention", error: { code: "conflict", message: error.message } };
      });
    }
    if (status === 400 && error.code.indexOf("csrf") === 0) return { outcome: "stale-csrf" };
    if (status >= 500 || status === 429 || status === 408) {
      return { outcome: "retry", error: { code: "http_" + status, message: error.message } };
    }
    if (answer.ok) {
      // A 2xx that does not echo our id (e.g. a captive portal's page): not proof of delivery.
      return { outcome: "retry", error: { code: "no_echo", message: "" } };
    }
    return { outcome: "attention", error: error };
  }, function () {
    return { outcome: "retry", offline: true, error: { code: "network", message: "" } };
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

function earliest(report, at) {
  if (at && (!report.retryAt || at < report.retryAt)) report.retryAt = at;
}

/* Send what is due, oldest first; never two flushes at once (page and service worker share a
 * Web Lock). options.force ignores back-off (used when the browser says we are online);
 * options.csrfUrl is where the token comes from (the server tells the page and the worker). */
export function flush(options) {
  var force = !!(options && options.force);
  var csrfUrl = options.csrfUrl;
  var report = { sent: [], retryAt: null };
  return withLock(function () {
    // Holding the lock, nothing else is sending: "sending" left by a closed tab is stale.
    return recover().then(all).then(function (items) {
      var now = Date.now();
      var pending = items.filter(function (i) { return i.state !== "attention"; });
      if (!pending.length) return null;
      var due = pending.filter(function (i) { return force || !(i.nextAttemptAt > now); });
      if (!due.length) {
        pending.forEach(function (i) { earliest(report, i.nextAttemptAt); });
        return null;
      }
      return fetchCsrf(csrfUrl).then(function (token) { return drain(items, token, report, force, csrfUrl); },
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

function drain(items, token, report, force, csrfUrl) {
  var blocked = {}; // findingId → true: later items of that finding must wait
  var index = 0;
  var csrfRetried = false;
  function skip() { index += 1; return next(); }
  function next() {
    if (index >= items.length) return Promise.resolve();
    var item = items[index];
    if (item.state === "attention") {
      if (item.kind === "finding") blocked[item.findingId] = true;
      return skip();
    }
    // Photos, additions and edits wait until their finding is on the server, and keep their order.
    if (blocked[item.findingId]) return skip();
    if (!force && item.nextAttemptAt > Date.now()) {
      // Still in back-off: it and what belongs to it wait; independent items go ahead.
      blocked[item.findingId] = true;
      earliest(report, item.nextAttemptAt);
      return skip();
    }
    item.state = "sending";
    return put(item).then(function () {
      notify();
      return sendOne(item, token);
    }).then(function (result) {
      if (result.outcome === "stale-csrf" && !csrfRetried) {
        csrfRetried = true;
        return fetchCsrf(csrfUrl).then(function (fresh) { token = fresh; return next(); });
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
      // 5xx or no network: this item backs off; what belongs to its finding waits for it.
      item.state = "waiting";
      item.attempts = (item.attempts || 0) + 1;
      item.nextAttemptAt = Date.now() + backoff(item.attempts);
      item.error = result.error;
      blocked[item.findingId] = true;
      earliest(report, item.nextAttemptAt);
      index += 1;
      // Without a network every other item would fail the same way: stop this pass.
      return put(item).then(function () { return result.offline ? null : next(); });
    });
  }
  return next();
}
