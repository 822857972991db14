/* Capture page, shared part: the page's data, the state the other capture-*.js files share and
 * the findings as the person sees them (server findings with the outbox laid over them). Classic
 * scripts loaded in order: capture-state.js, capture-map.js, capture-list.js, capture-sheet.js,
 * capture.js. Each
 * adds its functions to window.Capture and looks the others' up there when it runs, not when it
 * loads; this file comes first, and capture.js, which starts everything, last. */
/* global SyncStatus, Outbox */
(function () {
  "use strict";

  function json(id) { return JSON.parse(document.getElementById(id).textContent); }
  function $(id) { return document.getElementById(id); }

  var categories = json("categories-data");
  var categoryByCode = {};
  categories.forEach(function (c) { categoryByCode[c.code] = c; });

  var C = window.Capture = {
    walk: json("walk-data"),
    categoryByCode: categoryByCode,
    api: json("capture-api"),
    T: json("capture-strings"),
    mapSettings: json("map-settings"),
    // Participants add and edit findings while the walk is open; staff also after it closed.
    canCapture: !json("walk-data").capture_closed || json("capture-viewer").staff,
    // These are reassigned (e.g. on every outbox read): read them through Capture.state, never copy.
    state: {
      serverFindings: {}, // id → finding properties (+ lat/lon) from GET …/findings
      outboxItems: [],
      gps: null, // {lat, lon, accuracy}
      gpsState: "waiting", // "ok" after a fix, "off" when the phone says there will be none
      draft: null, // the finding being made in the sheet
    },
  };
  var S = C.state;

  C.$ = $;

  C.el = function (tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text != null) node.textContent = text;
    return node;
  };

  C.findingUrl = function (id) { return "/api/v1/findings/" + id; };

  /* A message above the map or list (a photo or a language change that did not work). */
  C.pageNote = function (text) {
    var box = $("page-note");
    box.textContent = text || "";
    box.hidden = !text;
  };

  C.categoryName = function (code, fallback) {
    return (categoryByCode[code] && categoryByCode[code].name) || fallback || code;
  };

  C.ratingGroup = function (container, onPick) {
    container.querySelectorAll(".rating-button").forEach(function (b) {
      b.addEventListener("click", function () {
        var pressed = b.getAttribute("aria-pressed") === "true";
        container.querySelectorAll(".rating-button").forEach(function (o) { o.setAttribute("aria-pressed", "false"); });
        b.setAttribute("aria-pressed", pressed ? "false" : "true");
        onPick(pressed ? null : Number(b.getAttribute("data-rating")));
      });
    });
  };

  C.allFindings = function () {
    // Server findings, with my queued (not yet sent) findings and edits laid over them.
    var list = {};
    Object.keys(S.serverFindings).forEach(function (id) { list[id] = Object.assign({}, S.serverFindings[id]); });
    S.outboxItems.forEach(function (item) {
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
  };

  C.loadServerFindings = function () {
    return fetch(C.api.findings, { credentials: "same-origin", headers: { Accept: "application/json" } })
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
        S.serverFindings = next;
        C.render();
      })
      .catch(function () { /* offline without a cached copy: show what the outbox has */ });
  };

  C.render = function () {
    var findings = C.allFindings();
    C.renderMarkers(findings);
    C.renderList(findings);
    SyncStatus.renderIndicator($("sync-status"), S.outboxItems, C.T);
  };

  C.refreshOutbox = function () {
    return Outbox.all().then(function (items) { S.outboxItems = items; C.render(); });
  };
})();
