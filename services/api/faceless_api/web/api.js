// The /v1 API as the page calls it: JSON (or a multipart upload) in, JSON out, the API key
// (when the server asks for one) kept in localStorage and sent as "Authorization: Bearer".
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

export async function api(path, { method = "GET", body, headers = {} } = {}) {
  const init = { method, headers: { ...authHeaders(), ...headers } };
  if (body instanceof FormData) init.body = body;
  else if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  if (response.status === 204) return null;
  const data = await response.json().catch(() => null);
  if (response.ok) return data;
  const error = new HttpError(response.status, data?.detail ?? response.statusText);
  if (response.status === 401) askForKey(error.message);
  throw error;
}

/** A file sent as the multipart field `file` (a clip's own picture). */
export function upload(path, file) {
  const form = new FormData();
  form.append("file", file, file.name);
  return api(path, { method: "POST", body: form });
}
