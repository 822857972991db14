/* Capture page: starts capture.js (which imports the map, the list and the sheet) once the page
 * has been drawn. Inlined by templates/walks/capture.html, not fetched.
 * The page's HTML already shows what a participant needs first (the title, "New finding", the
 * position note); fetched with the stylesheets, the 18 modules would hold back that first
 * paint on a slow phone network. After the first frame, and after DOMContentLoaded (so
 * Leaflet's deferred script has run): every import is preloaded side by side, then the
 * entry modules run in page order. */
(function () {
  var modules = JSON.parse(document.getElementById("capture-modules").textContent);

  // A few preloads per task, then the scripts in a task of their own: each added preload starts
  // its fetch at once, and on a slow phone 18 of them in one go are a long task (~90 ms).
  var PRELOADS_PER_TASK = 4;

  function load(from) {
    modules.preload.slice(from, from + PRELOADS_PER_TASK).forEach(function (href) {
      var link = document.createElement("link");
      link.rel = "modulepreload";
      link.href = href;
      document.head.appendChild(link);
    });
    if (from + PRELOADS_PER_TASK < modules.preload.length) setTimeout(load, 0, from + PRELOADS_PER_TASK);
    else setTimeout(run, 0);
  }

  function run() {
    modules.run.forEach(function (src) {
      var script = document.createElement("script");
      script.type = "module";
      script.async = false;  // capture.js before capture-checks.js, as written on the page
      script.src = src;
      document.body.appendChild(script);
    });
  }

  function afterFirstFrame() {
    // requestAnimationFrame runs just before a frame is drawn; the timeout, just after it.
    requestAnimationFrame(function () { setTimeout(load, 0, 0); });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", afterFirstFrame);
  else afterFirstFrame();
})();
