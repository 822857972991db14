/* A / A+ / A++ on the participant pages: the root font size grows (every rem with it), and the
 * choice is kept on the phone (localStorage) for every page and the next visit. A classic
 * script placed right after the buttons, so the size is set before the page is first drawn. */
(function () {
  var KEY = "walkapp-text-size";
  var root = document.documentElement;

  function stored() {
    try { return localStorage.getItem(KEY) || "0"; } catch (e) { return "0"; }
  }

  function apply(size) {
    if (size === "0") root.removeAttribute("data-text-size");
    else root.setAttribute("data-text-size", size);
    document.querySelectorAll(".text-size-button").forEach(function (b) {
      b.setAttribute("aria-pressed", b.getAttribute("data-text-size") === size ? "true" : "false");
    });
  }

  apply(stored());
  document.querySelectorAll(".text-size-button").forEach(function (b) {
    b.addEventListener("click", function () {
      var size = b.getAttribute("data-text-size");
      // Private mode may refuse storage: the size still applies to this page.
      try { localStorage.setItem(KEY, size); } catch (e) { /* not remembered */ }
      apply(size);
    });
  });
})();
