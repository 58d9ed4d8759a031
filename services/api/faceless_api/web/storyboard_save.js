// Saving a storyboard: every change is staged (?render=false), then one POST /render makes
// one new version of all of them. The order keeps each request's indexes right without
// reading the project again: field edits and uploads first (at the clips' indexes as loaded,
// each PATCH with the clip's ETag in If-Match), then deletions from the last, the new order
// of the clips left, and the new clips at their final places from the first. No DOM here.
import { api, upload } from "./api.js";

const STAGED = "?render=false";

/** What a card changes of its clip, as a PATCH body ({} for nothing). */
export function changedFields(card) {
  const clip = card.clip;
  if (!clip) return {};
  const body = {};
  if (card.script.trim() !== clip.script) body.script = card.script.trim();
  if (card.image_prompt.trim() !== clip.image_prompt) body.image_prompt = card.image_prompt.trim();
  // A new image prompt draws a new picture: a picked one would be cleared by it anyway.
  else if (card.image_id !== clip.image_id) body.image_id = card.image_id;
  return body;
}

/** Whether the cards differ from the project's clips (text, picture, order, set). */
export function isChanged(project, cards) {
  const ids = cards.filter((card) => card.clip).map((card) => card.clip.id);
  const before = (project.clips ?? []).map((clip) => clip.id);
  return ids.length !== before.length || ids.some((id, index) => id !== before[index])
    || cards.some((card) => !card.clip || card.file || Object.keys(changedFields(card)).length);
}

/** What is wrong with the cards before anything is sent: [card key, message] pairs. */
export function problems(cards) {
  const found = [];
  for (const card of cards) {
    if (!card.script.trim()) found.push([card.key, "Write what this clip says."]);
    else if (!card.image_prompt.trim() && !card.file) {
      found.push([card.key, "Describe the picture, or upload one."]);
    }
  }
  return found;
}

/** Stage the cards' changes, then start the run; the project as POST /render answers.
 *  `sent(card)` is told of each card whose own changes went through. A failure throws the
 *  HttpError with `card` set to the card it was about (when it was about one). */
export async function saveBoard(project, cards, sent = () => {}) {
  const clips = `/v1/projects/${project.id}/clips`;
  for (const card of cards.filter((each) => each.clip)) {
    await about(card, async () => {
      const body = changedFields(card);
      if (Object.keys(body).length) {
        await api(`${clips}/${card.clip.index}${STAGED}`, {
          method: "PATCH", body, headers: { "If-Match": card.clip.etag },
        });
      }
      if (card.file) await upload(`${clips}/${card.clip.index}/image${STAGED}`, card.file);
    });
    sent(card);
  }
  const kept = new Set(cards.filter((card) => card.clip).map((card) => card.clip.id));
  const byIndex = [...(project.clips ?? [])].sort((a, b) => a.index - b.index);
  for (const clip of byIndex.filter((each) => !kept.has(each.id)).reverse()) {
    await api(`${clips}/${clip.index}${STAGED}`, { method: "DELETE" });
  }
  const placeOf = new Map(byIndex.filter((clip) => kept.has(clip.id))
    .map((clip, place) => [clip.id, place]));
  const order = cards.filter((card) => card.clip).map((card) => placeOf.get(card.clip.id));
  if (order.some((place, index) => place !== index)) {
    await api(`${clips}/order${STAGED}`, { method: "PUT", body: { order } });
  }
  for (const [index, card] of cards.entries()) {
    if (card.clip) continue;
    await about(card, async () => {
      const prompt = card.image_prompt.trim() || "A picture chosen by hand";
      await api(`${clips}${STAGED}`, {
        method: "POST", body: { index, script: card.script.trim(), image_prompt: prompt },
      });
      if (card.file) await upload(`${clips}/${index}/image${STAGED}`, card.file);
    });
    sent(card);
  }
  return api(`/v1/projects/${project.id}/render`, { method: "POST" });
}

async function about(card, send) {
  try {
    await send();
  } catch (error) {
    error.card = card;
    throw error;
  }
}
