/* Sync state shown to the user: the indicator in the top bar and the state of each finding
 * (waiting / sending / sent / needs attention), derived from the outbox items. */
var RANK = { sent: 0, waiting: 1, sending: 2, attention: 3 };

/* The worst state among a finding's own outbox items (the finding, its photos, edits). */
export function findingState(findingId, items) {
  var state = "sent";
  items.forEach(function (item) {
    if (item.findingId !== findingId) return;
    var s = item.state === "sending" ? "sending" : item.state;
    if (RANK[s] > RANK[state]) state = s;
  });
  return state;
}

/* What to tell the person about a finding that needs attention, in words and with a next
 * step; never a bare error code. strings: the page's translated texts. */
export function errorOf(findingId, items, strings) {
  for (var i = 0; i < items.length; i += 1) {
    var item = items[i];
    if (item.findingId !== findingId || item.state !== "attention") continue;
    var error = item.error || {};
    if (error.code === "walk_closed") return strings.walkClosedHelp;
    if (error.code === "csrf" || String(error.code || "").indexOf("csrf") === 0) return strings.csrfFailed;
    return error.message || strings.sendFailed;
  }
  return "";
}

/* Update the top-bar indicator; data-state is what tests and CSS look at. */
export function renderIndicator(element, items, strings) {
  // Counted per finding (a finding and its photos are one thing to the person holding the phone).
  var seen = { waiting: {}, sending: {}, attention: {} };
  items.forEach(function (item) { (seen[item.state] || seen.waiting)[item.findingId] = true; });
  var counts = {};
  Object.keys(seen).forEach(function (k) { counts[k] = Object.keys(seen[k]).length; });
  var state;
  var text;
  if (counts.attention) {
    state = "attention";
    text = strings.attentionN.replace("{n}", counts.attention);
  } else if (counts.sending) {
    state = "sending";
    text = strings.sending;
  } else if (counts.waiting) {
    state = "waiting";
    text = strings.waitingN.replace("{n}", counts.waiting);
  } else {
    state = "sent";
    text = strings.allSent;
  }
  element.setAttribute("data-state", state);
  element.querySelector(".sync-text").textContent = text;
  return state;
}

