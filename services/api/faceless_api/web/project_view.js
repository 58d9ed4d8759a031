// One project on show, kept live from its event stream: status, overall bar, each clip
// with its picture, then the video (or why it failed) once it has ended.
import { askForKey } from "./account.js";
import { api, authHeaders } from "./api.js";
import { showFieldError } from "./field_errors.js";
import {
  fromSnapshot, overallPercent, stageText, TERMINAL, withEvent,
} from "./project_progress.js";
import { markCurrent, reloadProjects } from "./project_list.js";
import { eventStream } from "./sse.js";
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
const shown = { progress: null, follow: null };

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

export function watch(project) {
  shown.follow?.abort();
  shown.follow = null;
  shown.progress = fromSnapshot(project);
  render();
  if (!TERMINAL.has(project.status)) follow(project.id);
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
      if (TERMINAL.has(shown.progress.project.status)) break;
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
    shown.progress = fromSnapshot(ended);
    render();
  }
}

function render() {
  const { project, clips } = shown.progress;
  const live = !TERMINAL.has(project.status);
  $("project-empty").hidden = true;
  $("project-view").hidden = false;
  $("project").setAttribute("aria-busy", String(live));
  $("project-heading").textContent = projectName(project);
  setStatus($("project-status"), project.status);
  $("project-meta").textContent = [
    project.aspect, `${project.duration} s target`, project.preset,
    relativeTime(project.created_at),
  ].join(" · ");
  const percent = overallPercent(shown.progress);
  setProgress($("overall-bar"), percent);
  $("overall-text").textContent = `${percent} %`;
  $("stage-text").textContent = stageText(shown.progress);
  $("stage-text").hidden = !$("stage-text").textContent;
  $("cancel").hidden = !live;
  renderFailure(project, clips);
  renderResult(project);
  renderClips(project, clips);
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

function renderResult(project) {
  const video = $("video");
  const ready = project.status === "completed" && Boolean(project.video_url);
  $("result").hidden = !ready;
  if (!ready) {
    stopVideo();
    return;
  }
  video.dataset.aspect = project.aspect;
  if (video.dataset.project !== project.id) {
    video.dataset.project = project.id;
    video.src = project.video_url;
  }
  $("download").href = project.video_url;
  $("download").download = `${slug(projectName(project))}.mp4`;
}

function stopVideo() {
  const video = $("video");
  if (!video.hasAttribute("src")) return;
  video.removeAttribute("src");
  delete video.dataset.project;
  video.load();
}

function renderClips(project, clips) {
  const list = $("clips");
  const count = Math.max(project.clip_count ?? 0, clips.length);
  while (list.children.length > count) list.lastElementChild.remove();
  for (let index = 0; index < count; index++) {
    const item = list.children[index] ?? list.appendChild(clipItem(index));
    updateClip(item, clips[index] ?? { stage: "waiting", progress: 0 }, project);
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

function updateClip(item, clip, project) {
  item.dataset.stage = clip.stage;
  item.querySelector(".thumb").style.aspectRatio = project.aspect.replace(":", " / ");
  const image = item.querySelector("img");
  if (clip.image_url && !image.getAttribute("src")) {
    image.src = clip.image_url;
    image.hidden = false;
  }
  const stopped = TERMINAL.has(project.status) && !["rendered", "failed"].includes(clip.stage);
  item.toggleAttribute("data-stopped", stopped);
  item.querySelector(".clip-stage").textContent = stopped ? "Not made"
                                                          : STAGE_TEXT[clip.stage] ?? clip.stage;
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
