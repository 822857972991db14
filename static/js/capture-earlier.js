/* Capture page: "Reported before (2024–2025)" on a finding the server found at a spot where the
 * same kind of finding was reported on an earlier walk (its `earlier` list). */
import { T, el } from "./capture-state.js";

export function earlierHint(finding) {
  var years = (finding.earlier || []).map(function (e) { return e.year; })
    .filter(function (y) { return typeof y === "number"; })
    .sort(function (a, b) { return a - b; });
  if (!years.length) return null;
  var first = years[0];
  var last = years[years.length - 1];
  var text = first === last ? String(first) : first + "–" + last;
  return el("p", { "class": "earlier-hint" }, T.reportedBefore.replace("{years}", text));
}
