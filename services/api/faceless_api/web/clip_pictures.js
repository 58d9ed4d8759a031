// A clip's pictures as the API keeps them: every one it had (drawn, re-rolled variants,
// uploads; GET …/images, newest first), and new variants to pick from, which the clip worker
// draws after POST …/image/variants (paid: one picture each). No DOM here.
import { api } from "./api.js";

const POLL_MS = 1500;
const WAIT_MS = 180_000;

export function listPictures(projectId, index) {
  return api(`/v1/projects/${projectId}/clips/${index}/images`);
}

/** Ask for `count` variants and wait until they are drawn; every picture of the clip then
 *  (those that came, if the wait ran out). `tell(message)` says how far it got. */
export async function rerollPicture(projectId, index, count, tell = () => {}) {
  const had = new Set((await listPictures(projectId, index)).map((picture) => picture.id));
  await api(`/v1/projects/${projectId}/clips/${index}/image/variants`, {
    method: "POST", body: { count },
  });
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    const pictures = await listPictures(projectId, index);
    const fresh = pictures.filter((picture) => !had.has(picture.id)).length;
    if (fresh >= count || Date.now() > deadline) return { pictures, fresh };
    tell(`Drawing ${count - fresh} of ${count}…`);
  }
}

/** The file as a data: URL, to show it on its card before it is uploaded (the page's CSP
 *  allows data: pictures, not blob: ones). */
export function previewOf(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result);
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}
