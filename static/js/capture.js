/* Capture page, flow part and start-up: the "New finding" sheet (category → place/photo/rating/
 * text → Save), the near-duplicate question, and the triggers that send the outbox. Every
 * finding is written to the IndexedDB outbox first (outbox.js) and sent from there. The map and
 * the list are in capture-map.js and capture-list.js; shared data in capture-state.js. */
/* global L, Outbox, PhotoTools */
(function () {
  "use strict";

  var C = window.Capture;
  var S = C.state;
  var T = C.T;
  var $ = C.$;
  var el = C.el;
  var walk = C.walk;
  var api = C.api;
  var mapSettings = C.mapSettings;
  var findingUrl = C.findingUrl;

  var DUPLICATE_METRES = 25;
  var FLUSH_EVERY_MS = 20000;

  var retryTimer = null;

  // What capture-map.js (a new GPS fix moves the pin) and capture-list.js (send after an edit) call.
  C.placePin = placePin;
  C.updatePlaceText = updatePlaceText;
  C.flush = flush;

  function uuid() {
    if (self.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  /* Local time with its UTC offset, e.g. 2026-11-29T19:30:05+01:00. */
  function isoNow() {
    var d = new Date();
    var pad = function (n) { return String(Math.abs(n)).padStart(2, "0"); };
    var off = -d.getTimezoneOffset();
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + "T" + pad(d.getHours()) +
      ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds()) + (off >= 0 ? "+" : "-") + pad(Math.floor(Math.abs(off) / 60)) +
      ":" + pad(Math.abs(off) % 60);
  }

  function haversine(lat1, lon1, lat2, lon2) {
    var R = 6371008.8;
    var rad = Math.PI / 180;
    var dLat = (lat2 - lat1) * rad;
    var dLon = (lon2 - lon1) * rad;
    var a = Math.sin(dLat / 2) * Math.sin(dLat / 2) +
      Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLon / 2) * Math.sin(dLon / 2);
    return 2 * R * Math.asin(Math.min(1, Math.sqrt(a)));
  }

  /* ------------------------------------------------------------------ new finding */

  var placeMap = null;
  var placeMarker = null;

  function openSheet() {
    S.draft = { id: uuid(), category: null, rating: null, photos: [], pending: [], source: "gps", lat: null, lon: null, accuracy: null };
    $("description").value = "";
    $("photo-thumbs").textContent = "";
    document.querySelectorAll("#step-details .rating-button").forEach(function (b) { b.setAttribute("aria-pressed", "false"); });
    $("step-category").hidden = false;
    $("step-details").hidden = true;
    $("sheet").hidden = false;
    document.body.classList.add("sheet-open");
    var first = document.querySelector(".category-button");
    if (first) first.focus();
  }

  function closeSheet() {
    $("sheet").hidden = true;
    document.body.classList.remove("sheet-open");
    if (S.draft) S.draft.photos.forEach(function (p) { URL.revokeObjectURL(p.url); });
    S.draft = null;
    var fab = $("new-finding");
    if (fab) fab.focus();
  }

  function chooseCategory(code) {
    S.draft.category = code;
    $("chosen-category").textContent = C.categoryName(code);
    $("step-category").hidden = true;
    $("step-details").hidden = false;
    setupPlaceMap();
    $("sheet").scrollTop = 0;
    $("details-title").focus();
  }

  function setupPlaceMap() {
    var start = S.gps ? [S.gps.lat, S.gps.lon] : C.map.getCenter();
    if (!placeMap) {
      placeMap = L.map("place-map", { zoomControl: true, attributionControl: !!mapSettings.tileUrl });
      if (mapSettings.tileUrl) L.tileLayer(mapSettings.tileUrl, { maxZoom: 19, attribution: mapSettings.attribution }).addTo(placeMap);
      if (C.routeLayer) L.polyline(C.routeLayer.getLatLngs(), { color: "#0b3d2e", weight: 5 }).addTo(placeMap);
      placeMarker = L.marker(start, { draggable: true, keyboard: true, alt: T.myPosition }).addTo(placeMap);
      placeMarker.on("dragend", function () {
        var ll = placeMarker.getLatLng();
        placePin(ll.lat, ll.lng, "map");
      });
      placeMap.on("click", function (e) { placePin(e.latlng.lat, e.latlng.lng, "map"); });
    }
    placeMap.setView(start, 18);
    setTimeout(function () { placeMap.invalidateSize(); placeMap.setView(start, 18); }, 50);
    if (S.gps) placePin(S.gps.lat, S.gps.lon, "gps");
    else placePin(start.lat, start.lng, "none");
  }

  function placePin(lat, lon, source) {
    if (!S.draft) return;
    if (S.draft.source === "map" && source === "gps") return; // the user's correction wins
    S.draft.lat = lat;
    S.draft.lon = lon;
    S.draft.source = source;
    S.draft.accuracy = source === "gps" && S.gps ? S.gps.accuracy : null;
    if (placeMarker) placeMarker.setLatLng([lat, lon]);
    updatePlaceText();
  }

  function updatePlaceText() {
    var text;
    if (S.draft.source === "map") text = T.placeMoved;
    else if (S.draft.source === "gps" && S.gps) text = T.gpsAccuracy.replace("{m}", S.gps.accuracy);
    else text = $("gps-note").hidden ? T.gpsWaiting : T.gpsDenied;
    $("place-text").textContent = text;
  }

  function addPhotos(files) {
    Array.prototype.forEach.call(files, function (file) {
      var job = PhotoTools.downscale(file).then(function (result) {
        if (!S.draft) return;
        var photo = { id: uuid(), blob: result.blob, url: URL.createObjectURL(result.blob) };
        S.draft.photos.push(photo);
        var li = el("li", { "class": "thumb" });
        li.appendChild(el("img", { src: photo.url, alt: T.findingPhoto, width: "80", height: "80" }));
        var remove = el("button", { type: "button", "class": "remove-photo", "aria-label": T.removePhoto }, "×");
        remove.addEventListener("click", function () {
          S.draft.photos = S.draft.photos.filter(function (p) { return p !== photo; });
          URL.revokeObjectURL(photo.url);
          li.remove();
        });
        li.appendChild(remove);
        $("photo-thumbs").appendChild(li);
      });
      S.draft.pending.push(job);
    });
  }

  function nearDuplicate(d) {
    var best = null;
    C.allFindings().forEach(function (f) {
      if (f.id === d.id || f.category !== d.category || typeof f.lat !== "number") return;
      var metres = haversine(d.lat, d.lon, f.lat, f.lon);
      if (metres <= DUPLICATE_METRES && (!best || metres < best.metres)) best = { finding: f, metres: metres };
    });
    return best;
  }

  function askDuplicate(match) {
    return new Promise(function (resolve) {
      var dialog = $("dup-dialog");
      var text = match.finding.description || C.categoryName(match.finding.category, match.finding.category_name);
      $("dup-text").textContent = T.dupText.replace("{m}", Math.round(match.metres)).replace("{t}", text);
      dialog.hidden = false;
      $("dup-same").focus();
      function done(choice) {
        dialog.hidden = true;
        $("dup-same").onclick = null;
        $("dup-new").onclick = null;
        resolve(choice);
      }
      $("dup-same").onclick = function () { done("same"); };
      $("dup-new").onclick = function () { done("new"); };
    });
  }

  function save(event) {
    event.preventDefault();
    if (!S.draft || !S.draft.category) return;
    var d = S.draft;
    var button = $("save-finding");
    button.disabled = true;
    Promise.all(d.pending).then(function () {
      d.description = $("description").value.trim();
      var match = nearDuplicate(d);
      return match ? askDuplicate(match).then(function (choice) { return { choice: choice, match: match }; }) : { choice: "new" };
    }).then(function (decision) {
      var chain;
      if (decision.choice === "same") {
        var targetId = decision.match.finding.id;
        chain = Promise.resolve();
        if (d.description) {
          chain = chain.then(function () {
            return Outbox.addAddition(targetId, findingUrl(targetId) + "/additions", { id: uuid(), description: d.description });
          });
        }
        d.photos.forEach(function (p) {
          chain = chain.then(function () { return Outbox.addPhoto(targetId, findingUrl(targetId) + "/photos", p.blob, p.id); });
        });
      } else {
        var body = {
          id: d.id, lat: d.lat, lon: d.lon, accuracy_m: d.accuracy,
          location_source: d.source === "gps" ? "gps" : "map",
          category: d.category, rating: d.rating, description: d.description, observed_at: isoNow(),
        };
        chain = Outbox.addFinding(walk.id, api.findings, body);
        d.photos.forEach(function (p) {
          chain = chain.then(function () { return Outbox.addPhoto(d.id, findingUrl(d.id) + "/photos", p.blob, p.id); });
        });
      }
      return chain;
    }).then(function () {
      return C.refreshOutbox();
    }).then(function () {
      closeSheet();
      requestSync();
      flush(false);
    }).catch(function (error) {
      window.alert(String(error && error.message || error));
    }).then(function () { button.disabled = false; });
  }

  var fab = $("new-finding");
  if (fab) fab.addEventListener("click", openSheet);
  document.querySelectorAll(".category-button").forEach(function (b) {
    b.addEventListener("click", function () { chooseCategory(b.getAttribute("data-code")); });
  });
  $("change-category").addEventListener("click", function () {
    $("step-details").hidden = true;
    $("step-category").hidden = false;
  });
  document.querySelectorAll("#sheet [data-close]").forEach(function (b) { b.addEventListener("click", closeSheet); });
  $("photo-input").addEventListener("change", function (e) {
    addPhotos(e.target.files);
    e.target.value = "";
  });
  C.ratingGroup($("step-details"), function (value) { if (S.draft) S.draft.rating = value; });
  $("step-details").addEventListener("submit", save);

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
        caches.open("pages").then(function (c) { return c.add(location.pathname); }),
        caches.open("api").then(function (c) { return c.add(api.findings); }),
      ]);
    }).catch(function () { /* without a worker the outbox still works while the page is open */ });
  }

  C.refreshOutbox().then(function () { return flush(true); });
  C.loadServerFindings();
  window.captureApp = { flush: flush, refresh: C.refreshOutbox };
})();
