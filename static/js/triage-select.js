// Triage list: "select all on this page" in the table header, a live "N selected" count
// beside the bulk form's button, and only the chosen action's fields. Progressive enhancement:
// without this script the header box stays hidden, each row is checked by hand and every
// action's fields are shown (the server reads only the chosen action's); the form posts the
// same either way.
(function () {
  "use strict";
  var form = document.getElementById("bulk");
  var all = document.getElementById("select-all");
  if (!form || !all) { return; }
  var box = form.querySelector("[data-select-all-box]");
  var fallback = form.querySelector("[data-select-all-fallback]");
  var counter = form.querySelector("[data-selected-count]");
  var rows = Array.prototype.slice.call(form.querySelectorAll('input[type="checkbox"][name="finding"]'));
  var action = form.querySelector('select[name="action"]');
  var actionFields = Array.prototype.slice.call(form.querySelectorAll("fieldset[data-action-fields]"));

  function update() {
    var checked = rows.filter(function (r) { return r.checked; }).length;
    all.checked = rows.length > 0 && checked === rows.length;
    // Some but not all: the header shows the mixed state (also announced as "mixed").
    all.indeterminate = checked > 0 && checked < rows.length;
    if (counter) {
      counter.textContent = counter.getAttribute("data-template").replace("__N__", String(checked));
    }
  }

  // A disabled fieldset's fields are not posted, so a value left in another action's field
  // cannot travel with the chosen one; it comes back when that action is chosen again.
  function showActionFields() {
    if (!action) { return; }
    actionFields.forEach(function (fieldset) {
      var other = fieldset.getAttribute("data-action-fields") !== action.value;
      fieldset.hidden = other;
      fieldset.disabled = other;
    });
  }

  all.addEventListener("change", function () {
    rows.forEach(function (r) { r.checked = all.checked; });
    update();
  });
  rows.forEach(function (r) { r.addEventListener("change", update); });
  if (action) { action.addEventListener("change", showActionFields); }
  // Back/forward cache and browser form restore can bring boxes back checked.
  window.addEventListener("pageshow", function () { update(); showActionFields(); });

  if (box) { box.hidden = false; }
  if (fallback) { fallback.hidden = true; }
  if (counter) { counter.hidden = false; }
  update();
  showActionFields();
})();
