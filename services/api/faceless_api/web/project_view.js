// One project on show, kept live from its event stream: status, overall bar, each clip
// with its picture, then the video (or why it failed) once it has ended. A project at rest
// (nothing running) shows its clips as a storyboard to edit (storyboard.js), and its video's
// versions to pick from.
import { askForKey } from "./account.js";
import { api, authHeaders } from "./api.js";
import { showFieldError } from "./field_errors.js";
import {
  AT_REST, fromSnapshot, overallPercent, stageText, TERMINAL, withEvent,
} from "./project_progress.js";
import { markCurrent, reloadProjects } from "./project_list.js";
import { eventStream } from "./sse.js";
import { hideBoard, showBoard } from "./storyboard.js";
import { forgetVersions, showVersions } from "./versions.js";
import { projectName, relativeTime, setStatus, slug } from "./words.js";

const STAGE_TEXT = {
  waiting: "Waiting",
  voice: "Recording voice",
  image: "Drawing picture",
  render: "Rendering",
  rendered: "Done",
  failed: "Failed",
};

const $ = (id) => document.getElementById(id);
const shown = { progress: null, follow: null, playNew: false };
const BOARD_CALLS = {
  started: (project, remade) => {
    shown.playNew = true;
    watch(project, remade);
    reloadProjects();
  },
  reload: (project) => watch(project),
};

export async function openProject(id) {
  if (shown.progress?.project.id === id && shown.follow) return;
  try {
    watch(await api(`/v1/projects/${id}`));
  } catch (error) {
    if (error.status === 401) return;
    showEmpty();
    showFieldError("form", `Could not open project ${id}: ${error.message}`);
  }
}

/** Show `project`, and follow it while it runs; `remade`: the clips a run of this page's
 *  edits makes again, when known. */
export function watch(project, remade = null) {
  shown.follow?.abort();
  shown.follow = null;
  shown.progress = fromSnapshot(project, remade);
  render();
  if (!AT_REST.has(project.status)) follow(project.id);
}

export function showEmpty() {
  shown.follow?.abort();
  shown.follow = null;
  shown.progress = null;
  $("project-empty").hidden = false;
  $("project-view").hidden = true;
  stopVideo();
  markCurrent(null);
}

/** Retry or cancel the project on show, then watch what the API answers. */
export async function act(action, button) {
  const id = shown.progress.project.id;
  button.disabled = true;
  try {
    watch(await api(`/v1/projects/${id}/${action}`, { method: "POST" }));
    reloadProjects();
  } catch (error) {
    $("stage-text").textContent = `Could not ${action}: ${error.message}`;
  } finally {
    button.disabled = false;
  }
}

async function follow(projectId) {
  const controller = new AbortController();
  shown.follow = controller;
  const url = `/v1/projects/${projectId}/events`;
  try {
    const events = eventStream(url, { headers: authHeaders, signal: controller.signal });
    for await (const { event, data } of events) {
      shown.progress = withEvent(shown.progress, event, JSON.parse(data));
      render();
      if (AT_REST.has(shown.progress.project.status)) break;
    }
  } catch (error) {
    if (error.status === 401) askForKey(error.message);
    else $("stage-text").textContent = `Live updates stopped: ${error.message}`;
    return;
  } finally {
    if (shown.follow === controller) shown.follow = null;
  }
  if (controller.signal.aborted) return;
  reloadProjects();
  // The end state in full: every clip's error, the video's lasting URL.
  const ended = await api(`/v1/projects/${projectId}`).catch(() => null);
  if (ended && shown.progress?.project.id === projectId && !shown.follow) {
    if (!AT_REST.has(ended.status)) watch(ended); // a new run began meanwhile
    else {
      shown.progress = fromSnapshot(ended);
      render();
    }
  }
}

function render() {
  const { project, clips } = shown.progress;
  const live = !AT_REST.has(project.status);
  $("project-empty").hidden = true;
  $("project-view").hidden = false;
  $("project").setAttribute("aria-busy", String(live));
  $("project-heading").textContent = projectName(project);
  setStatus($("project-status"), project.status);
  $("project-meta").textContent = [
    project.aspect, `${project.duration} s target`, project.preset, project.language,
    project.speed && project.speed !== 1 && `${project.speed}× speed`,
    relativeTime(project.created_at),
  ].filter(Boolean).join(" · ");
  document.querySelector(".overall").hidden = project.status === "awaiting_approval";
  const percent = overallPercent(shown.progress);
  setProgress($("overall-bar"), percent);
  $("overall-text").textContent = `${percent} %`;
  $("stage-text").textContent = stageText(shown.progress);
  $("stage-text").hidden = !$("stage-text").textContent;
  $("cancel").hidden = !live;
  renderFailure(project, clips);
  renderWarnings(project);
  renderResult(project);
  if (live) {
    hideBoard();
    renderClips(project, clips, shown.progress.remade);
  } else showBoard(project, BOARD_CALLS);
  markCurrent(project);
}

function renderFailure(project, clips) {
  const failed = project.status === "failed";
  $("failure").hidden = !failed;
  if (!failed) return;
  const clipErrors = clips.flatMap((clip, index) => {
    if (!clip?.error) return [];
    const item = document.createElement("li");
    item.textContent = `Clip ${index + 1}: ${clip.error}`;
    return [item];
  });
  // "clip 1 failed: <its error>" restates a clip's error (numbered from 0): the list says it.
  const message = project.error_message ?? "No reason was recorded.";
  const restated = clips.some((clip) => clip?.error && message.endsWith(clip.error));
  $("failure-message").textContent = message;
  $("failure-message").hidden = restated;
  $("clip-errors").replaceChildren(...clipErrors);
}

/** What the plan did not do as asked (its length off the target, clips merged or split). */
function renderWarnings(project) {
  const warnings = project.warnings ?? [];
  $("plan-warnings").hidden = warnings.length === 0;
  $("plan-warning-list").replaceChildren(...warnings.map((warning) => {
    const item = document.createElement("li");
    item.textContent = warning;
    return item;
  }));
}

/** The current version's video (kept on show while an edit makes the next one), played
 *  at once when it is the new version of this page's own edit. */
function renderResult(project) {
  const video = $("video");
  const ready = Boolean(project.video_url);
  $("result").hidden = !ready;
  if (!ready) {
    stopVideo();
    return;
  }
  video.dataset.aspect = project.aspect;
  const version = `${project.id}/${project.version ?? 0}`;
  if (video.dataset.version !== version) {
    video.dataset.version = version;
    video.src = project.video_url;
    $("download").href = project.video_url;
    if (shown.playNew && project.status === "completed") {
      shown.playNew = false;
      video.play().catch(() => {});
    }
  }
  $("download").download = `${slug(projectName(project))}.mp4`;
  showVersions(project);
}

function stopVideo() {
  const video = $("video");
  forgetVersions();
  $("versions").hidden = true;
  if (!video.hasAttribute("src")) return;
  video.removeAttribute("src");
  delete video.dataset.version;
  video.load();
}

function renderClips(project, clips, remade) {
  const list = $("clips");
  if (list.dataset.mode !== "progress") {
    list.dataset.mode = "progress";
    list.replaceChildren();
  }
  const count = Math.max(project.clip_count ?? 0, clips.length);
  while (list.children.length > count) list.lastElementChild.remove();
  for (let index = 0; index < count; index++) {
    const item = list.children[index] ?? list.appendChild(clipItem(index));
    const kept = Boolean(remade) && !remade.has(index);
    updateClip(item, clips[index] ?? { stage: "waiting", progress: 0 }, project, kept);
  }
}

function clipItem(index) {
  const item = document.createElement("li");
  item.className = "clip";
  item.innerHTML = `
    <div class="thumb"><img alt="Picture of clip ${index + 1}" hidden></div>
    <div class="clip-body">
      <div class="clip-head"><span class="clip-name">Clip ${index + 1}</span>
        <span class="clip-stage"></span></div>
      <div class="bar thin" role="progressbar" aria-label="Clip ${index + 1} progress"
           aria-valuemin="0" aria-valuemax="100"><span></span></div>
      <p class="clip-script"></p>
      <p class="clip-error" hidden></p>
    </div>`;
  return item;
}

/** `kept`: a clip this run keeps as it was (it shows no progress of its own). */
function updateClip(item, clip, project, kept) {
  item.dataset.stage = clip.stage;
  item.toggleAttribute("data-kept", kept);
  item.querySelector(".bar").hidden = kept;
  item.querySelector(".thumb").style.aspectRatio = project.aspect.replace(":", " / ");
  const image = item.querySelector("img");
  if (clip.image_url && image.getAttribute("src") !== clip.image_url) {
    image.src = clip.image_url;
    image.hidden = false;
  }
  const stopped = TERMINAL.has(project.status) && !["rendered", "failed"].includes(clip.stage);
  item.toggleAttribute("data-stopped", stopped);
  const stage = stopped ? "Not made" : STAGE_TEXT[clip.stage] ?? clip.stage;
  item.querySelector(".clip-stage").textContent = kept ? "Unchanged" : stage;
  setProgress(item.querySelector(".bar"), Math.round(100 * (clip.progress ?? 0)));
  item.querySelector(".clip-script").textContent = clip.script ?? "";
  const error = item.querySelector(".clip-error");
  error.textContent = clip.error ?? "";
  error.hidden = !clip.error;
}

function setProgress(bar, percent) {
  bar.setAttribute("aria-valuenow", String(percent));
  bar.style.setProperty("--value", `${percent}%`);
}
