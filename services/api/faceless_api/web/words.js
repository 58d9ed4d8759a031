// How the page says things: names, statuses, durations and times.

const STATUS_TEXT = {
  queued: "Queued",
  planning: "Planning",
  awaiting_approval: "Awaiting approval",
  rendering_clips: "Rendering clips",
  rendering_final: "Joining clips",
  completed: "Completed",
  failed: "Failed",
  cancelled: "Cancelled",
};

export function setStatus(element, status) {
  if (!element) return;
  element.dataset.status = status;
  element.textContent = STATUS_TEXT[status] ?? status;
}

export function projectName(project) {
  const words = (project.script ?? "").split(/\s+/).slice(0, 8).join(" ");
  return project.title || project.topic || (words ? `${words}…` : "Untitled");
}

export function slug(text) {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "") || "video";
}

export function formatDuration(ms) {
  const seconds = Math.floor((ms ?? 0) / 1000); // as video players show it
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
}

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });

export function relativeTime(iso) {
  const seconds = (new Date(iso) - Date.now()) / 1000;
  for (const [unit, size] of [["day", 86400], ["hour", 3600], ["minute", 60]]) {
    if (Math.abs(seconds) >= size) return relative.format(Math.round(seconds / size), unit);
  }
  return "just now";
}
