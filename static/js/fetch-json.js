/* The one way pages read JSON from the API: a 2xx answer resolves to its parsed body; any other
 * answer rejects with an Error carrying the API's error shape ({"error": code, "message": text})
 * as .code and .message, and the HTTP status as .status. A network failure rejects as fetch does. */
export function fetchJson(url, init) {
  const options = Object.assign({ credentials: "same-origin" }, init || {});
  options.headers = Object.assign({ Accept: "application/json" }, (init && init.headers) || {});
  return fetch(url, options).then(function (response) {
    return response.text().then(function (text) {
      let data = null;
      try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
      if (response.ok) return data;
      const error = new Error((data && data.message) || String(response.status));
      error.status = response.status;
      error.code = (data && data.error) || "http_" + response.status;
      throw error;
    });
  });
}
