// Server-sent events over fetch(): EventSource cannot send an Authorization header.
// After a drop the stream is opened again with Last-Event-ID, so the server resumes
// where it stopped; the consumer ends it by leaving its `for await` loop.

export class HttpError extends Error {
  constructor(status, detail) {
    super(typeof detail === "string" ? detail : messages(detail) || `HTTP ${status}`);
    this.status = status;
    this.detail = detail;
  }
}

/** A 422's list of problems, said in one line ("script: too long; voice: unknown"). */
function messages(detail) {
  if (!Array.isArray(detail)) return "";
  return detail.map((problem) => {
    const field = (problem.loc ?? []).slice(1).join(".");
    const message = String(problem.msg ?? "").replace(/^Value error, /, "");
    return field ? `${field}: ${message}` : message;
  }).join("; ");
}

const MAX_DELAY_MS = 15000;

export async function* eventStream(url, { headers = () => ({}), signal, retryMs = 1000 } = {}) {
  let lastEventId = null;
  let delay = retryMs;
  while (!signal?.aborted) {
    const response = await connect(url, headers(), lastEventId, signal);
    if (response?.ok) {
      try {
        for await (const message of readMessages(response.body)) {
          if (message.id !== undefined) lastEventId = message.id;
          if (message.retry !== undefined) delay = retryMs = message.retry;
          if (message.data === undefined) continue;
          delay = retryMs;
          yield message;
        }
      } catch (error) {
        if (signal?.aborted) return;
        console.warn("event stream dropped:", error);
      }
    }
    await sleep(delay, signal);
    delay = Math.min(delay * 2, MAX_DELAY_MS);
  }
}

/** The response, or null when it is worth trying again (network error, 5xx). */
async function connect(url, headers, lastEventId, signal) {
  const sent = { ...headers, Accept: "text/event-stream" };
  if (lastEventId !== null) sent["Last-Event-ID"] = lastEventId;
  let response;
  try {
    response = await fetch(url, { headers: sent, signal, cache: "no-store" });
  } catch (error) {
    if (signal?.aborted) return null;
    console.warn("event stream unreachable:", error);
    return null;
  }
  if (response.ok) return response;
  if (response.status >= 500) {
    response.body?.cancel().catch(() => {});
    return null;
  }
  const body = await response.json().catch(() => null);
  throw new HttpError(response.status, body?.detail ?? response.statusText);
}

/** Each message block of an event stream, as {event, data, id, retry} (fields it had). */
export async function* readMessages(body) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  let message = {};
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      // A "\r" at the end may be the first half of "\r\n": wait for the next chunk.
      const end = buffer.endsWith("\r") ? buffer.length - 1 : buffer.length;
      const lines = buffer.slice(0, end).split(/\r\n|\r|\n/);
      buffer = lines.pop() + buffer.slice(end);
      for (const line of lines) {
        if (line === "") {
          if (Object.keys(message).length) yield message;
          message = {};
        } else if (!line.startsWith(":")) {
          addField(message, line);
        }
      }
    }
  } finally {
    reader.cancel().catch(() => {});
  }
}

function addField(message, line) {
  const colon = line.indexOf(":");
  const field = colon === -1 ? line : line.slice(0, colon);
  let value = colon === -1 ? "" : line.slice(colon + 1);
  if (value.startsWith(" ")) value = value.slice(1);
  if (field === "data") message.data = message.data === undefined ? value : `${message.data}\n${value}`;
  else if (field === "event") message.event = value;
  else if (field === "id" && !value.includes("\0")) message.id = value;
  else if (field === "retry" && /^\d+$/.test(value)) message.retry = Number(value);
}

function sleep(ms, signal) {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => { clearTimeout(timer); resolve(); }, { once: true });
  });
}
