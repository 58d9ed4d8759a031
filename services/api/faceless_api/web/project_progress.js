// What a project's snapshot and live events say about it: its status, each clip's stage,
// the overall percentage and the sentence under the bar. No DOM here.
// A run that makes a new version of an edited project (version > 0) remakes only some clips:
// `remade` holds their indexes (null: every clip is being made), and the bar counts just them.
import { formatDuration } from "./words.js";

const CLIPS_SHARE = 90; // percent of the bar for the clips; the rest is joining them
export const TERMINAL = new Set(["completed", "failed", "cancelled"]);
/** Statuses in which nothing runs: the project waits for the user (edits, approval). */
export const AT_REST = new Set([...TERMINAL, "awaiting_approval"]);

/** { project, clips, remade } from GET /v1/projects/{id} (or an event stream's snapshot);
 *  `remade` as the caller knows it (the clips its own edit staged), else as the clips say. */
export function fromSnapshot(project, remade = null) {
  const clips = (project.clips ?? []).map(clipFromSnapshot);
  return { project: { ...project }, clips, remade: remade ?? remadeIn(project) };
}

/** The clips a run of an edited project makes again: those not rendered as it starts. */
export function remadeIn(project) {
  if (!project.version || AT_REST.has(project.status)) return null;
  return new Set((project.clips ?? []).filter((clip) => clip.status !== "rendered")
    .map((clip) => clip.index));
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
  if (event === "snapshot") return fromSnapshot(data.project, progress?.remade);
  const { project, clips, remade } = progress;
  if (event === "status") project.status = data.status;
  else if (event === "planned") {
    project.clip_count = data.clip_count;
    project.title = data.title ?? project.title;
  } else if (event === "clip") {
    const clip = (clips[data.index] ??= { stage: "waiting", progress: 0 });
    Object.assign(clip, { stage: data.stage, progress: data.progress, error: data.error });
    if (remade && data.stage !== "rendered") remade.add(data.index);
    if (data.image_url) clip.image_url = data.image_url;
  } else if (event === "completed") {
    Object.assign(project, { status: "completed", video_url: data.video_url,
                             duration_ms: data.duration_ms });
  } else if (event === "failed") {
    Object.assign(project, { status: "failed", error_message: data.error });
  } else if (event === "cancelled") project.status = "cancelled";
  return progress;
}

export function overallPercent({ project, clips, remade }) {
  const { status, clip_count: count } = project;
  if (status === "completed") return 100;
  if (!count) return 0;
  const counted = clips.slice(0, count).filter((_, index) => !remade || remade.has(index));
  const done = counted.reduce((sum, clip) => sum + (clip?.progress ?? 0), 0);
  const total = remade ? remade.size : count;
  return total ? Math.floor((CLIPS_SHARE * done) / total) : CLIPS_SHARE;
}

export function stageText({ project, clips, remade }) {
  const made = (clip, index) => clip?.stage === "rendered" && (!remade || remade.has(index));
  const done = clips.filter(made).length;
  switch (project.status) {
    case "queued": return "Queued: waiting for a planner…";
    case "planning": return project.script ? "Splitting the script into clips…"
                                           : "Writing the script…";
    case "awaiting_approval": return project.version
      ? `Changes wait to be rendered; v${project.version} stays current until then.`
      : "The plan waits for you: edit the clips, then approve it.";
    case "rendering_clips": return remade
      ? (remade.size ? `Remaking changed clips: ${done} of ${remade.size} done`
                     : "Joining the clips again…")
      : `Making clips: ${done} of ${project.clip_count} done`;
    case "rendering_final": return "Joining the clips into one video…";
    case "completed": return `Done. ${project.version > 1 ? `Version ${project.version} is`
      : "The video is"} ${formatDuration(project.duration_ms)} long.`;
    case "cancelled": return "Cancelled. What was made is kept.";
    default: return "";
  }
}
