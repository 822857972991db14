/* The one place that reads the API's answers and knows its error shape ({"error": code,
 * "message": text}). Used by the pages and by the service worker (outbox-send.js). */

/* Any HTTP answer, resolved as { status, ok, data, error }: data is the parsed JSON body (null
 * when there is none or it is not JSON), error is null on a 2xx and else { code, message } from
 * the body, with "http_<status>" as the code and "" as the message when the body has none. A
 * network failure rejects as fetch does. For callers that must tell one refusal from another
 * (the outbox); the rest use fetchJson. */
export function fetchAnswer(url, init) {
  const options = Object.assign({ credentials: "same-origin" }, init || {});
  options.headers = Object.assign({ Accept: "application/json" }, (init && init.headers) || {});
  return fetch(url, options).then(function (response) {
    return response.text().then(function (text) {
      let data = null;
      try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
      const body = data && typeof data === "object" ? data : {};
      const error = response.ok ? null : {
        code: body.error || "http_" + response.status,
        message: body.message || "",
      };
      return { status: response.status, ok: response.ok, data: data, error: error };
    });
  });
}

/* A 2xx answer resolves to its parsed body; any other answer rejects with an Error carrying the
 * API's error as .code and .message, and the HTTP status as .status. */
export function fetchJson(url, init) {
  return fetchAnswer(url, init).then(function (answer) {
    if (answer.ok) return answer.data;
    const error = new Error(answer.error.message || String(answer.status));
    error.status = answer.status;
    error.code = answer.error.code;
    throw error;
  });
}
