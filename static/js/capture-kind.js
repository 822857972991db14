/* Capture page, the sheet's first choice: "Noget utrygt" or "Et godt sted" (the finding's kind),
 * two toggle buttons above the categories. capture-sheet.js calls startKind when the sheet
 * opens and sends kindOf(draft) with the finding; choosing a category goes on as before. */
import { $, state } from "./capture-state.js";

const KINDS = ["problem", "good"];

/* A finding's or draft's kind as the API takes it; "problem" unless it is a good place. */
export function kindOf(finding) {
  return finding && KINDS.indexOf(finding.kind) >= 0 ? finding.kind : "problem";
}

/* "Godt sted" as a badge for a good place in the list, or null for a problem. */
export function goodBadge(finding) {
  const group = $("kind-choice");
  if (kindOf(finding) !== "good" || !group) return null;
  const badge = document.createElement("span");
  badge.className = "badge good-place";
  badge.textContent = group.getAttribute("data-title-good");
  return badge;
}

function showKind(kind) {
  const group = $("kind-choice");
  if (!group) return;
  group.querySelectorAll(".kind-button").forEach(function (button) {
    button.setAttribute("aria-pressed", String(button.getAttribute("data-kind") === kind));
  });
  $("sheet").classList.toggle("good-place", kind === "good");
  $("details-title").textContent = group.getAttribute(kind === "good" ? "data-title-good" : "data-title-problem");
}

/* A sheet just opened: a problem until someone presses "Et godt sted". */
export function startKind(draft) {
  if (!draft) return;
  draft.kind = "problem";
  showKind("problem");
}

document.querySelectorAll("#kind-choice .kind-button").forEach(function (button) {
  button.addEventListener("click", function () {
    if (!state.draft) return;
    state.draft.kind = kindOf({ kind: button.getAttribute("data-kind") });
    showKind(state.draft.kind);
  });
});
