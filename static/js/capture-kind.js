/* Capture page, the sheet's first step: "Noget utrygt" or "Et godt sted" (the finding's kind).
 * capture-sheet.js calls startKind when the sheet opens and sends kindOf(draft) with the
 * finding; the category step follows the choice as before. */
import { $, state } from "./capture-state.js";

const KINDS = ["problem", "good"];

/* The draft's kind as the API takes it; "problem" until someone chose otherwise. */
export function kindOf(draft) {
  return draft && KINDS.indexOf(draft.kind) >= 0 ? draft.kind : "problem";
}

/* Show the kind step instead of the category step, for a sheet just opened. */
export function startKind(draft) {
  const step = $("step-kind");
  if (!step || !draft) return;
  draft.kind = "problem";
  $("step-category").hidden = true;
  $("step-details").hidden = true;
  step.hidden = false;
  $("sheet").setAttribute("aria-labelledby", "kind-title");
  const first = step.querySelector(".kind-button");
  if (first) first.focus();
}

function chooseKind(kind) {
  const draft = state.draft;
  if (!draft) return;
  draft.kind = kind;
  const step = $("step-kind");
  step.hidden = true;
  $("sheet").setAttribute("aria-labelledby", "sheet-title");
  $("sheet").classList.toggle("good-place", kind === "good");
  $("details-title").textContent = step.getAttribute(kind === "good" ? "data-title-good" : "data-title-problem");
  $("step-category").hidden = false;
  const first = document.querySelector(".category-button");
  if (first) first.focus();
}

document.querySelectorAll("#step-kind .kind-button").forEach(function (button) {
  button.addEventListener("click", function () { chooseKind(button.getAttribute("data-kind")); });
});
