// The versions of the project on show (GET /versions: every completed join, newest first)
// in a picker; the one picked plays, and is what "Download MP4" and the caption files
// (GET /captions.srt|.vtt, fetched with the key) save.
import { api, authHeaders } from "./api.js";
import { formatDuration } from "./words.js";

const $ = (id) => document.getElementById(id);
const listed = { key: null, projectId: null };

/** List the versions once per project and version; the player keeps what it plays. */
export async function showVersions(project) {
  const key = `${project.id}/${project.version ?? 0}`;
  if (listed.key === key) return;
  listed.key = key;
  const picker = $("version");
  $("versions").hidden = true;
  $("captions").hidden = true;
  picker.replaceChildren();
  if (!project.version) return;
  listed.projectId = project.id;
  const versions = await api(`/v1/projects/${project.id}/versions`).catch(() => null);
  if (!versions?.length || listed.key !== key) return;
  picker.replaceChildren(...versions.map((version) => {
    const words = [`v${version.version}`, formatDuration(version.duration_ms)];
    if (version.current) words.push("current");
    const option = new Option(words.join(" · "), version.video_url, false, version.current);
    option.dataset.version = String(version.version);
    return option;
  }));
  $("versions").hidden = false;
  $("captions").hidden = false;
}

export function forgetVersions() {
  listed.key = null;
  $("captions").hidden = true;
}

/** Play the version picked (wired once). */
export function wireVersions() {
  $("version").addEventListener("change", () => {
    const url = $("version").value;
    const video = $("video");
    video.src = url;
    $("download").href = url;
    video.play().catch(() => {});
  });
  for (const link of [$("captions-srt"), $("captions-vtt")]) {
    link.addEventListener("click", (event) => {
      event.preventDefault();
      saveCaptions(link).catch(() => {});
    });
  }
}

/** The picked version's captions, fetched with the key and saved under the API's name. */
async function saveCaptions(link) {
  const version = $("version").selectedOptions[0]?.dataset.version;
  if (!listed.projectId || !version) return;
  const path = `/v1/projects/${listed.projectId}/captions.${link.dataset.format}`;
  const response = await fetch(`${path}?version=${version}`, { headers: authHeaders() });
  if (!response.ok) {
    const data = await response.json().catch(() => null);
    link.title = data?.detail ?? response.statusText;
    return;
  }
  const named = /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") ?? "");
  const url = URL.createObjectURL(await response.blob());
  const save = Object.assign(document.createElement("a"), {
    href: url, download: named?.[1] ?? `captions.${link.dataset.format}`,
  });
  document.body.append(save);
  save.click();
  save.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
