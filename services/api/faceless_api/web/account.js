// Who the page acts for: the tenant's name, and the dialog asking for an API key.
import { api, storedKey, storeKey } from "./api.js";
import { showFieldError } from "./field_errors.js";

const $ = (id) => document.getElementById(id);

/** False when the server wants a key it has not got (the dialog is open by then). */
export async function loadAccount() {
  try {
    const me = await api("/v1/me");
    const keyed = me.auth === "on";
    $("tenant").textContent = keyed ? me.tenant : "Local, no key needed";
    $("tenant").hidden = false;
    $("change-key").hidden = !keyed;
    return true;
  } catch (error) {
    return error.status !== 401;
  }
}

export function askForKey(reason) {
  const stored = storedKey();
  showFieldError("api-key", stored ? reason : "");
  $("forget-key").hidden = !stored;
  $("change-key").hidden = false;
  if (!$("key-dialog").open) $("key-dialog").showModal();
}

/** True when a key was saved; an empty one keeps the dialog open. */
export function saveKey(event) {
  const key = $("api-key").value.trim();
  if (!key) {
    event.preventDefault();
    showFieldError("api-key", "Paste a key first.");
    return false;
  }
  storeKey(key);
  $("api-key").value = "";
  return true;
}

export function forgetKey() {
  storeKey(null);
  location.reload();
}
