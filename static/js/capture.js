/* Capture page: the walk's map, the "New finding" flow (category → place/photo/rating/text →
 * Save), the list of findings with their sync state, and the outbox triggers. Every finding is
 * written to the IndexedDB outbox first (outbox.js) and sent from there. */
/* global L, Outbox, PhotoTools, SyncStatus */
(function () {
  "use strict";

  function json(id) { return JSON.parse(document.getElementById(id).textContent); }
  function $(id) { return document.getElementById(id); }

  var walk = json("walk-data");
  var categories = json("categories-data");
  var api = json("capture-api");
  var T = json("capture-strings");
  var mapSettings = json("map-settings");
  var categoryByCode = {};
  categories.forEach(function (c) { categoryByCode[c.code] = c; });

  var DUPLICATE_METRES = 25;
  var FLUSH_EVERY_MS = 20000;

  var serverFindings = {}; // id → finding properties (+ lat/lon) from GET …/findings
  var outboxItems = [];
  var gps = null; // {lat, lon, accuracy}
  var draft = null;
  var retryTimer = null;
  var objectUrls = {};

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

  function findingUrl(id) { return "/api/v1/findings/" + id; }

  /* ------------------------------------------------------------------ map */

  var map = L.map("capture-map", { zoomControl: true, attributionControl: !!mapSettings.tileUrl });
  if (mapSettings.tileUrl) {
    L.tileLayer(mapSettings.tileUrl, { maxZoom: 19, attribution: mapSettings.attribution }).addTo(map);
  }
  var routeLayer = null;
  if (walk.route && walk.route.coordinates && walk.route.coordinates.length) {
    routeLayer = L.polyline(walk.route.coordinates.map(function (c) { return [c[1], c[0]]; }),
      { color: "#0b3d2e", weight: 6, opacity: 0.9 }).addTo(map);
    map.fitBounds(routeLayer.getBounds(), { padding: [30, 30] });
  } else if (walk.meeting) {
    map.setView([walk.meeting.lat, walk.meeting.lon], 17);
  } else {
    map.setView(mapSettings.center, mapSettings.zoom);
  }
  if (walk.meeting) {
    L.circleMarker([walk.meeting.lat, walk.meeting.lon], { radius: 10, color: "#111", weight: 3, fillColor: "#fff", fillOpacity: 1 })
      .bindTooltip(T.meeting + (walk.meeting.label ? ": " + walk.meeting.label : "")).addTo(map);
  }
  var findingsLayer = L.layerGroup().addTo(map);
  var meDot = null;
  var meCircle = null;

  function showPosition(pos) {
    gps = { lat: pos.coords.latitude, lon: pos.coords.longitude, accuracy: Math.round(pos.coords.accuracy || 0) };
    var ll = [gps.lat, gps.lon];
    if (!meDot) {
      meCircle = L.circle(ll, { radius: gps.accuracy, color: "#1a5fd0", weight: 1, fillOpacity: 0.15, interactive: false }).addTo(map);
      meDot = L.circleMarker(ll, { radius: 8, color: "#fff", weight: 3, fillColor: "#1a5fd0", fillOpacity: 1 })
        .bindTooltip(T.myPosition).addTo(map);
      if (!map.getBounds().contains(ll)) map.panTo(ll);
    } else {
      meDot.setLatLng(ll);
      meCircle.setLatLng(ll).setRadius(gps.accuracy);
    }
    $("gps-note").hidden = true;
    if (draft && draft.source === "gps") placePin(gps.lat, gps.lon, "gps");
  }

  function positionFailed() {
    var note = $("gps-note");
    note.textContent = T.gpsDenied;
    note.hidden = false;
    if (draft) updatePlaceText();
  }

  if (navigator.geolocation) {
    navigator.geolocation.watchPosition(showPosition, positionFailed,
      { enableHighAccuracy: true, maximumAge: 5000, timeout: 30000 });
  } else {
    positionFailed();
  }

  /* ------------------------------------------------------------------ known findings */

  function allFindings() {
    // Server findings, with my queued (not yet sent) findings and edits laid over them.
    var list = {};
    Object.keys(serverFindings).forEach(function (id) { list[id] = Object.assign({}, serverFindings[id]); });
    outboxItems.forEach(function (item) {
      if (item.kind === "finding") {
        var b = item.body;
        list[item.id] = Object.assign(list[item.id] || {}, {
          id: item.id, lat: b.lat, lon: b.lon, category: b.category, rating: b.rating,
          description: b.description, observed_at: b.observed_at, mine: true, photos: (list[item.id] || {}).photos || [],
        });
      } else if (item.kind === "patch" && list[item.findingId]) {
        Object.assign(list[item.findingId], item.body);
      } else if (item.kind === "delete") {
        delete list[item.findingId];
      }
    });
    return Object.keys(list).map(function (id) { return list[id]; })
      .sort(function (a, b) { return String(b.observed_at || "").localeCompare(String(a.observed_at || "")); });
  }

  function loadServerFindings() {
    return fetch(api.findings, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error(String(r.status)); return r.json(); })
      .then(function (data) {
        var next = {};
        (data.features || []).forEach(function (f) {
          var p = Object.assign({}, f.properties);
          p.id = p.id || f.id;
          p.lon = f.geometry.coordinates[0];
          p.lat = f.geometry.coordinates[1];
          next[p.id] = p;
        });
        serverFindings = next;
        render();
      })
      .catch(function () { /* offline without a cached copy: show what the outbox has */ });
  }

  function categoryName(code, fallback) {
    return (categoryByCode[code] && categoryByCode[code].name) || fallback || code;
  }

  function photoThumbs(finding) {
    var urls = (finding.photos || []).map(function (p) { return p.thumb_url || p.url; });
    outboxItems.forEach(function (item) {
      if (item.kind === "photo" && item.findingId === finding.id) {
        if (!objectUrls[item.id]) objectUrls[item.id] = URL.createObjectURL(item.blob);
        urls.push(objectUrls[item.id]);
      }
    });
    return urls;
  }

  function renderMarkers(findings) {
    findingsLayer.clearLayers();
    findings.forEach(function (f) {
      if (typeof f.lat !== "number") return;
      var marker = L.circleMarker([f.lat, f.lon], {
        radius: f.mine ? 11 : 9, color: "#111", weight: f.mine ? 4 : 2,
        fillColor: f.mine ? "#ffd23f" : "#ffffff", fillOpacity: 1,
        dashArray: SyncStatus.findingState(f.id, outboxItems) === "sent" ? null : "4 3",
      });
      marker.bindTooltip(categoryName(f.category, f.category_name) + (f.mine ? " · " + T.mine : ""));
      marker.on("click", function () { showList(); focusItem(f.id); });
      findingsLayer.addLayer(marker);
    });
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text != null) node.textContent = text;
    return node;
  }

  function renderList(findings) {
    var list = $("finding-list");
    list.textContent = "";
    $("list-empty").hidden = findings.length > 0;
    findings.forEach(function (f) {
      var state = SyncStatus.findingState(f.id, outboxItems);
      var li = el("li", { "class": "finding-item state-" + state, "data-id": f.id, "data-state": state, tabindex: "-1" });
      var head = el("div", { "class": "finding-head" });
      var cat = categoryByCode[f.category];
      if (cat) head.appendChild(el("img", { src: "/static/icons/categories/" + cat.icon + ".svg", alt: "", width: "32", height: "32" }));
      head.appendChild(el("strong", {}, categoryName(f.category, f.category_name)));
      if (f.mine) head.appendChild(el("span", { "class": "badge mine" }, T.mine));
      head.appendChild(el("span", { "class": "badge sync-" + state }, T[state]));
      li.appendChild(head);
      if (f.rating !== null && f.rating !== undefined && f.rating !== "") {
        li.appendChild(el("p", { "class": "rating-text r" + f.rating }, T["rating" + f.rating]));
      }
      if (f.description) li.appendChild(el("p", { "class": "description" }, f.description));
      var thumbs = photoThumbs(f);
      if (thumbs.length) {
        var row = el("div", { "class": "list-thumbs" });
        thumbs.forEach(function (src) { row.appendChild(el("img", { src: src, alt: T.findingPhoto, width: "72", height: "72" })); });
        li.appendChild(row);
      }
      if (state === "attention") {
        li.appendChild(el("p", { "class": "error attention-text", role: "alert" }, SyncStatus.errorOf(f.id, outboxItems)));
      }
      if (f.mine && !walk.capture_closed) {
        var actions = el("div", { "class": "actions" });
        var edit = el("button", { type: "button", "class": "button edit-finding" }, T.edit);
        edit.addEventListener("click", function () { openEdit(f); });
        actions.appendChild(edit);
        if (state === "attention") {
          var retry = el("button", { type: "button", "class": "button retry-finding" }, T.retry);
          retry.addEventListener("click", function () { retryFinding(f.id); });
          actions.appendChild(retry);
        }
        var del = el("button", { type: "button", "class": "button danger delete-finding" }, T.delete);
        del.addEventListener("click", function () { removeFinding(f); });
        actions.appendChild(del);
        li.appendChild(actions);
      } else if (f.mine && state === "attention") {
        var keep = el("div", { "class": "actions" });
        var retry2 = el("button", { type: "button", "class": "button retry-finding" }, T.retry);
        retry2.addEventListener("click", function () { retryFinding(f.id); });
        keep.appendChild(retry2);
        li.appendChild(keep);
      }
      list.appendChild(li);
    });
  }

  function render() {
    var findings = allFindings();
    renderMarkers(findings);
    renderList(findings);
    SyncStatus.renderIndicator($("sync-status"), outboxItems, T);
  }

  function refreshOutbox() {
    return Outbox.all().then(function (items) { outboxItems = items; render(); });
  }

  /* ------------------------------------------------------------------ views */

  function showList() {
    $("list-view").hidden = false;
    $("map-view").hidden = true;
    $("show-list").setAttribute("aria-pressed", "true");
    $("show-map").setAttribute("aria-pressed", "false");
  }

  function showMap() {
    $("list-view").hidden = true;
    $("map-view").hidden = false;
    $("show-list").setAttribute("aria-pressed", "false");
    $("show-map").setAttribute("aria-pressed", "true");
    map.invalidateSize();
  }

  function focusItem(id) {
    var node = document.querySelector('.finding-item[data-id="' + id + '"]');
    if (node) node.focus();
  }

  $("show-list").addEventListener("click", showList);
  $("show-map").addEventListener("click", showMap);

  /* ------------------------------------------------------------------ new finding */

  var placeMap = null;
  var placeMarker = null;

  function openSheet() {
    draft = { id: uuid(), category: null, rating: null, photos: [], pending: [], source: "gps", lat: null, lon: null, accuracy: null };
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
    if (draft) draft.photos.forEach(function (p) { URL.revokeObjectURL(p.url); });
    draft = null;
    var fab = $("new-finding");
    if (fab) fab.focus();
  }

  function chooseCategory(code) {
    draft.category = code;
    $("chosen-category").textContent = categoryName(code);
    $("step-category").hidden = true;
    $("step-details").hidden = false;
    setupPlaceMap();
    $("sheet").scrollTop = 0;
    $("details-title").focus();
  }

  function setupPlaceMap() {
    var start = gps ? [gps.lat, gps.lon] : map.getCenter();
    if (!placeMap) {
      placeMap = L.map("place-map", { zoomControl: true, attributionControl: !!mapSettings.tileUrl });
      if (mapSettings.tileUrl) L.tileLayer(mapSettings.tileUrl, { maxZoom: 19, attribution: mapSettings.attribution }).addTo(placeMap);
      if (routeLayer) L.polyline(routeLayer.getLatLngs(), { color: "#0b3d2e", weight: 5 }).addTo(placeMap);
      placeMarker = L.marker(start, { draggable: true, keyboard: true, alt: T.myPosition }).addTo(placeMap);
      placeMarker.on("dragend", function () {
        var ll = placeMarker.getLatLng();
        placePin(ll.lat, ll.lng, "map");
      });
      placeMap.on("click", function (e) { placePin(e.latlng.lat, e.latlng.lng, "map"); });
    }
    placeMap.setView(start, 18);
    setTimeout(function () { placeMap.invalidateSize(); placeMap.setView(start, 18); }, 50);
    if (gps) placePin(gps.lat, gps.lon, "gps");
    else placePin(start.lat, start.lng, "none");
  }

  function placePin(lat, lon, source) {
    if (!draft) return;
    if (draft.source === "map" && source === "gps") return; // the user's correction wins
    draft.lat = lat;
    draft.lon = lon;
    draft.source = source;
    draft.accuracy = source === "gps" && gps ? gps.accuracy : null;
    if (placeMarker) placeMarker.setLatLng([lat, lon]);
    updatePlaceText();
  }

  function updatePlaceText() {
    var text;
    if (draft.source === "map") text = T.placeMoved;
    else if (draft.source === "gps" && gps) text = T.gpsAccuracy.replace("{m}", gps.accuracy);
    else text = $("gps-note").hidden ? T.gpsWaiting : T.gpsDenied;
    $("place-text").textContent = text;
  }

  function addPhotos(files) {
    Array.prototype.forEach.call(files, function (file) {
      var job = PhotoTools.downscale(file).then(function (result) {
        if (!draft) return;
        var photo = { id: uuid(), blob: result.blob, url: URL.createObjectURL(result.blob) };
        draft.photos.push(photo);
        var li = el("li", { "class": "thumb" });
        li.appendChild(el("img", { src: photo.url, alt: T.findingPhoto, width: "80", height: "80" }));
        var remove = el("button", { type: "button", "class": "remove-photo", "aria-label": T.removePhoto }, "×");
        remove.addEventListener("click", function () {
          draft.photos = draft.photos.filter(function (p) { return p !== photo; });
          URL.revokeObjectURL(photo.url);
          li.remove();
        });
        li.appendChild(remove);
        $("photo-thumbs").appendChild(li);
      });
      draft.pending.push(job);
    });
  }

  function nearDuplicate(d) {
    var best = null;
    allFindings().forEach(function (f) {
      if (f.id === d.id || f.category !== d.category || typeof f.lat !== "number") return;
      var metres = haversine(d.lat, d.lon, f.lat, f.lon);
      if (metres <= DUPLICATE_METRES && (!best || metres < best.metres)) best = { finding: f, metres: metres };
    });
    return best;
  }

  function askDuplicate(match) {
    return new Promise(function (resolve) {
      var dialog = $("dup-dialog");
      var text = match.finding.description || categoryName(match.finding.category, match.finding.category_name);
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
    if (!draft || !draft.category) return;
    var d = draft;
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
      return refreshOutbox();
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
  function ratingGroup(container, onPick) {
    container.querySelectorAll(".rating-button").forEach(function (b) {
      b.addEventListener("click", function () {
        var pressed = b.getAttribute("aria-pressed") === "true";
        container.querySelectorAll(".rating-button").forEach(function (o) { o.setAttribute("aria-pressed", "false"); });
        b.setAttribute("aria-pressed", pressed ? "false" : "true");
        onPick(pressed ? null : Number(b.getAttribute("data-rating")));
      });
    });
  }
  ratingGroup($("step-details"), function (value) { if (draft) draft.rating = value; });
  $("step-details").addEventListener("submit", save);

  /* ------------------------------------------------------------------ edit / delete */

  var editing = null;

  function openEdit(f) {
    editing = { finding: f, rating: f.rating === undefined ? null : f.rating };
    $("edit-category").value = f.category;
    $("edit-description").value = f.description || "";
    $("edit-rating").querySelectorAll(".rating-button").forEach(function (b) {
      b.setAttribute("aria-pressed", String(Number(b.getAttribute("data-rating")) === editing.rating));
    });
    $("edit-dialog").hidden = false;
    $("edit-category").focus();
  }

  function closeEdit() { $("edit-dialog").hidden = true; editing = null; }

  ratingGroup($("edit-rating"), function (value) { if (editing) editing.rating = value; });
  $("edit-dialog").querySelector("[data-close]").addEventListener("click", closeEdit);
  $("edit-form").addEventListener("submit", function (e) {
    e.preventDefault();
    if (!editing) return;
    var id = editing.finding.id;
    var changes = { category: $("edit-category").value, rating: editing.rating, description: $("edit-description").value.trim() };
    closeEdit();
    Outbox.editFinding(id, findingUrl(id), changes).then(refreshOutbox).then(function () { flush(false); });
  });
  $("edit-delete").addEventListener("click", function () {
    if (!editing) return;
    var f = editing.finding;
    closeEdit();
    removeFinding(f);
  });

  function removeFinding(f) {
    if (!window.confirm(T.confirmDelete)) return;
    var onServer = !!serverFindings[f.id] || outboxItems.some(function (i) { return i.findingId === f.id && i.kind === "finding"; });
    delete serverFindings[f.id];
    Outbox.deleteFinding(f.id, findingUrl(f.id), onServer).then(refreshOutbox).then(function () { flush(false); });
  }

  function retryFinding(id) {
    var chain = Promise.resolve();
    outboxItems.forEach(function (item) {
      if (item.findingId === id && item.state === "attention") chain = chain.then(function () { return Outbox.retry(item.seq); });
    });
    chain.then(refreshOutbox).then(function () { flush(true); });
  }

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
    refreshOutbox();
    if (message && message.type === "sent") {
      message.items.forEach(function (s) {
        if (s.kind === "finding" && s.data && s.data.id) {
          var p = Object.assign({}, s.data);
          serverFindings[p.id] = Object.assign(serverFindings[p.id] || {}, p);
        }
      });
      loadServerFindings();
    }
  });

  window.addEventListener("online", function () { flush(true); loadServerFindings(); });
  setInterval(function () {
    if (outboxItems.some(function (i) { return i.state !== "attention"; })) flush(false);
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

  refreshOutbox().then(function () { return flush(true); });
  loadServerFindings();
  window.captureApp = { flush: flush, refresh: refreshOutbox };
})();
