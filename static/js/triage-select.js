// Triage list: "select all on this page" in the table header and a live "N selected" count
// beside the bulk form's button. Progressive enhancement: without this script the header box
// stays hidden and each row is checked by hand; the form posts the same either way.
(function () {
  "use strict";
  var form = document.getElementById("bulk");
  var all = document.getElementById("select-all");
  if (!form || !all) { return; }
  var box = form.querySelector("[data-select-all-box]");
  var fallback = form.querySelector("[data-select-all-fallback]");
  var counter = form.querySelector("[data-selected-count]");
  var rows = Array.prototype.slice.call(form.querySelectorAll('input[type="checkbox"][name="finding"]'));

  function update() {
    var checked = rows.filter(function (r) { return r.checked; }).length;
    all.checked = rows.length > 0 && checked === rows.length;
    // Some but not all: the header shows the mixed state (also announced as "mixed").
    all.indeterminate = checked > 0 && checked < rows.length;
    if (counter) {
      counter.textContent = counter.getAttribute("data-template").replace("__N__", String(checked));
    }
  }

  all.addEventListener("change", function () {
    rows.forEach(function (r) { r.checked = all.checked; });
    update();
  });
  rows.forEach(function (r) { r.addEventListener("change", update); });
  // Back/forward cache and browser form restore can bring boxes back checked.
  window.addEventListener("pageshow", update);

  if (box) { box.hidden = false; }
  if (fallback) { fallback.hidden = true; }
  if (counter) { counter.hidden = false; }
  update();
})();
