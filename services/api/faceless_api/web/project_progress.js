// What a project's snapshot and live events say about it: its status, each clip's stage,
// the overall percentage and the sentence under the bar. No DOM here.
import { formatDuration } from "./words.js";

const CLIPS_SHARE = 90; // percent of the bar for the clips; the rest is joining them
export const TERMINAL = new Set(["completed", "failed", "cancelled"]);

/** { project, clips } from GET /v1/projects/{id} (or an event stream's snapshot). */
export function fromSnapshot(project) {
  return { project: { ...project }, clips: (project.clips ?? []).map(clipFromSnapshot) };
}

function clipFromSnapshot(clip) {
  const shown = { script: clip.script, image_url: clip.image_url ?? null,
                  error: clip.error_message ?? null };
  if (clip.status === "rendered") return { ...shown, stage: "rendered", progress: 1 };
  if (clip.status === "failed") return { ...shown, stage: "failed", progress: 0 };
  if (clip.status === "planned") return { ...shown, stage: "waiting", progress: 0 };
  if (clip.has_image) return { ...shown, stage: "render", progress: 0.66 };
  if (clip.has_audio) return { ...shown, stage: "image", progress: 0.33 };
  return { ...shown, stage: "voice", progress: 0 };
}

/** The progress after one event of the stream (see the API's live progress contract). */
export function withEvent(progress, event, data) {
  if (event === "snapshot") return fromSnapshot(data.project);
  const { project, clips } = progress;
  if (event === "status") project.status = data.status;
  else if (event === "planned") {
    project.clip_count = data.clip_count;
    project.title = data.title ?? project.title;
  } else if (event === "clip") {
    const clip = (clips[data.index] ??= { stage: "waiting", progress: 0 });
    Object.assign(clip, { stage: data.stage, progress: data.progress, error: data.error });
    if (data.image_url) clip.image_url = data.image_url;
  } else if (event === "completed") {
    Object.assign(project, { status: "completed", video_url: data.video_url,
                             duration_ms: data.duration_ms });
  } else if (event === "failed") {
    Object.assign(project, { status: "failed", error_message: data.error });
  } else if (event === "cancelled") project.status = "cancelled";
  return progress;
}

export function overallPercent({ project, clips }) {
  const { status, clip_count: count } = project;
  if (status === "completed") return 100;
  if (!count) return 0;
  const done = clips.slice(0, count).reduce((sum, clip) => sum + (clip?.progress ?? 0), 0);
  return Math.floor((CLIPS_SHARE * done) / count);
}

export function stageText({ project, clips }) {
  const done = clips.filter((clip) => clip?.stage === "rendered").length;
  switch (project.status) {
    case "queued": return "Queued: waiting for a planner…";
    case "planning": return project.script ? "Splitting the script into clips…"
                                           : "Writing the script…";
    case "rendering_clips": return `Making clips: ${done} of ${project.clip_count} done`;
    case "rendering_final": return "Joining the clips into one video…";
    case "completed": return `Done. The video is ${formatDuration(project.duration_ms)} long.`;
    case "cancelled": return "Cancelled. What was made is kept.";
    default: return "";
  }
}
