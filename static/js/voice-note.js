/* Capture sheet, the voice note: push-to-talk with MediaRecorder (hold to speak, or tap to start
 * and tap to stop, so keyboards and screen readers can use it too), at most 2 minutes, then it
 * stops by itself. The recording belongs to the draft and goes into the outbox with the finding
 * (queueVoiceNote, called by capture-sheet.js), as an IndexedDB blob like a photo: it survives
 * reloads and is sent once, after its finding. */
import { $, Outbox, state, uuid } from "./capture-state.js";

var MAX_MS = 120000;
// Pressed longer than this: a hold, which ends the recording on release; shorter: a tap.
var HOLD_MS = 600;
// Containers the server accepts, best first (Chrome/Firefox: WebM or Ogg with Opus, Safari: MP4/AAC).
var TYPES = ["audio/webm;codecs=opus", "audio/ogg;codecs=opus", "audio/mp4;codecs=mp4a.40.2", "audio/mp4"];

var box = $("voice-note");
var T = box ? JSON.parse($("voice-strings").textContent) : {};
var session = null; // the recording under way: { draft, recorder, stream, startedAt, done }
var pressedAt = 0;
var swallowClick = false;

function supported() {
  return !!(box && navigator.mediaDevices && navigator.mediaDevices.getUserMedia && window.MediaRecorder);
}

function chosenType() {
  if (!MediaRecorder.isTypeSupported) return "";
  return TYPES.filter(function (t) { return MediaRecorder.isTypeSupported(t); })[0] || "";
}

function clock(seconds) {
  var s = Math.max(0, Math.round(seconds));
  return Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
}

function say(text) { $("voice-status").textContent = text || ""; }

function showRecording(on) {
  var button = $("voice-record");
  button.setAttribute("aria-pressed", on ? "true" : "false");
  button.classList.toggle("recording", on);
  $("voice-record-text").textContent = on ? T.stop : T.hold;
}

function showNote(note) {
  var audio = $("voice-audio");
  if (audio.src) URL.revokeObjectURL(audio.src);
  if (note) {
    audio.src = note.url;
  } else {
    audio.removeAttribute("src");
  }
  $("voice-preview").hidden = !note;
}

function start() {
  if (session || !state.draft) return;
  var draft = state.draft;
  var current = { draft: draft, recorder: null, stream: null, startedAt: 0, timer: null, tick: null };
  session = current;
  current.done = navigator.mediaDevices.getUserMedia({ audio: true }).then(function (stream) {
    current.stream = stream;
    if (session !== current) { stream.getTracks().forEach(function (t) { t.stop(); }); return null; }
    var type = chosenType();
    var recorder = new MediaRecorder(stream, type ? { mimeType: type } : undefined);
    var chunks = [];
    current.recorder = recorder;
    recorder.ondataavailable = function (e) { if (e.data && e.data.size) chunks.push(e.data); };
    var stopped = new Promise(function (resolve) {
      recorder.onstop = function () {
        stream.getTracks().forEach(function (t) { t.stop(); });
        clearTimeout(current.timer);
        clearInterval(current.tick);
        var seconds = Math.min(MAX_MS, Date.now() - current.startedAt) / 1000;
        var mime = (recorder.mimeType || type || "audio/webm").split(";")[0];
        var blob = new Blob(chunks, { type: mime });
        if (session === current) session = null;
        showRecording(false);
        if (state.draft === draft && blob.size) {
          // One voice note per finding: a new recording replaces the last.
          if (draft.voice) URL.revokeObjectURL(draft.voice.url);
          draft.voice = { id: uuid(), blob: blob, seconds: Math.round(seconds * 10) / 10, url: URL.createObjectURL(blob) };
          showNote(draft.voice);
          say((current.maxReached ? T.maxReached + " " : "") + T.recorded.replace("{t}", clock(seconds)));
        }
        resolve();
      };
    });
    current.startedAt = Date.now();
    recorder.start(1000);
    current.timer = setTimeout(function () { current.maxReached = true; stop(); }, MAX_MS);
    current.tick = setInterval(function () {
      say(T.recording.replace("{t}", clock((Date.now() - current.startedAt) / 1000)));
    }, 1000);
    showRecording(true);
    say(T.recording.replace("{t}", clock(0)));
    return stopped;
  }, function () {
    if (session === current) session = null;
    showRecording(false);
    say(T.denied);
    return null;
  });
}

/* End the recording under way; resolves once its blob is in the draft. */
function stop() {
  var current = session;
  if (!current) return Promise.resolve();
  if (current.recorder && current.recorder.state !== "inactive") {
    current.recorder.stop();
  } else if (!current.recorder) {
    // Still asking for the microphone: starting is called off when the answer comes.
    session = null;
    showRecording(false);
  }
  return current.done;
}

function reset() {
  if (session) { var s = session; session = null; if (s.recorder && s.recorder.state !== "inactive") s.recorder.stop(); }
  showRecording(false);
  showNote(null);
  say("");
}

/* Called by capture-sheet.js while it queues the finding (or its "Samme sted" addition): a
 * recording still under way is finished first, then queued after the finding's own items. */
export function queueVoiceNote(draft, findingId) {
  var pending = session && session.draft === draft ? stop() : Promise.resolve();
  return pending.then(function () {
    if (!draft.voice) return null;
    var url = box.getAttribute("data-url").replace("__id__", encodeURIComponent(findingId));
    return Outbox.addAudio(findingId, url, draft.voice.blob, draft.voice.id, draft.voice.seconds);
  });
}

if (supported()) {
  box.hidden = false;
  var button = $("voice-record");
  button.addEventListener("pointerdown", function () {
    if (session) return;
    pressedAt = Date.now();
    swallowClick = true;
    start();
  });
  var release = function () {
    if (pressedAt && Date.now() - pressedAt >= HOLD_MS) stop();
    pressedAt = 0;
  };
  button.addEventListener("pointerup", release);
  button.addEventListener("pointercancel", release);
  // A held button must not open the phone's context menu.
  button.addEventListener("contextmenu", function (e) { e.preventDefault(); });
  // Enter, Space and a tap: start or stop. The tap that started a recording is not a stop.
  button.addEventListener("click", function () {
    if (swallowClick) { swallowClick = false; return; }
    if (session) stop(); else start();
  });
  $("voice-remove").addEventListener("click", function () {
    if (state.draft && state.draft.voice) {
      URL.revokeObjectURL(state.draft.voice.url);
      state.draft.voice = null;
    }
    showNote(null);
    say(T.removed);
    button.focus();
  });
  // The sheet opens with a new draft and closes without one: follow it, so no recording runs
  // on with the sheet gone and no old note shows on a new finding.
  new MutationObserver(function () { reset(); }).observe($("sheet"), { attributes: true, attributeFilter: ["hidden"] });
}
