// The /v1 API as the page calls it: JSON in and out, the API key (when the server asks
// for one) kept in localStorage and sent as "Authorization: Bearer".
import { HttpError } from "./sse.js";

const KEY_STORAGE = "faceless.apiKey";

let askForKey = () => {};

/** What to do when the server refuses the key; set once at start, so this module has no DOM. */
export function onUnauthorized(handler) {
  askForKey = handler;
}

export function storedKey() {
  return localStorage.getItem(KEY_STORAGE);
}

export function storeKey(key) {
  if (key) localStorage.setItem(KEY_STORAGE, key);
  else localStorage.removeItem(KEY_STORAGE);
}

export function authHeaders() {
  const key = storedKey();
  return key ? { Authorization: `Bearer ${key}` } : {};
}

export async function api(path, { method = "GET", body } = {}) {
  const init = { method, headers: authHeaders() };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  const data = await response.json().catch(() => null);
  if (response.ok) return data;
  const error = new HttpError(response.status, data?.detail ?? response.statusText);
  if (response.status === 401) askForKey(error.message);
  throw error;
}
