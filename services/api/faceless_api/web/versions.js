// The versions of the project on show (GET /versions: every completed join, newest first)
// in a picker; the one picked plays, and is what "Download MP4" saves.
import { api } from "./api.js";
import { formatDuration } from "./words.js";

const $ = (id) => document.getElementById(id);
const listed = { key: null };

/** List the versions once per project and version; the player keeps what it plays. */
export async function showVersions(project) {
  const key = `${project.id}/${project.version ?? 0}`;
  if (listed.key === key) return;
  listed.key = key;
  const picker = $("version");
  $("versions").hidden = true;
  picker.replaceChildren();
  if (!project.version) return;
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
}

export function forgetVersions() {
  listed.key = null;
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
}
