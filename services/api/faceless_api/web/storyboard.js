// The storyboard of a project at rest (awaiting approval, completed, failed, cancelled): a
// card per clip to edit in place, re-roll or upload its picture, reorder (drag and drop, or
// the ↑/↓ buttons), delete or insert. Nothing is sent until Save (or Approve): then every
// change is staged and one run makes the new version (storyboard_save.js).
import { api } from "./api.js";
import { listPictures, previewOf, rerollPicture } from "./clip_pictures.js";
import { cardElement, updateCard } from "./storyboard_cards.js";
import { isChanged, problems, saveBoard } from "./storyboard_save.js";

const $ = (id) => document.getElementById(id);
const board = { project: null, cards: [], signature: "", keep: null, busy: false,
                started: () => {}, reload: () => {}, dragged: null, newKeys: 0 };

/** Show `project` as a storyboard. `started(project, remade)` is told of each run it starts
 *  (remade: the indexes of the clips it makes again), `reload(project)` of a project read
 *  again after a save failed. */
export function showBoard(project, { started, reload }) {
  Object.assign(board, { started, reload });
  const list = $("clips");
  if (list.dataset.mode !== "board" || signatureOf(project) !== board.signature) {
    list.dataset.mode = "board";
    load(project);
  }
  $("board-bar").hidden = false;
}

export function hideBoard() {
  $("board-bar").hidden = true;
  board.signature = "";
}

function signatureOf(project) {
  const clips = (project.clips ?? []).map((clip) => `${clip.id}:${clip.revision}:${clip.status}`);
  return [project.id, project.status, project.version, ...clips].join("|");
}

function load(project) {
  const keep = board.keep ?? new Map();
  board.keep = null;
  board.project = project;
  board.signature = signatureOf(project);
  board.cards = [...(project.clips ?? [])].sort((a, b) => a.index - b.index).map((clip) => ({
    key: clip.id, clip, script: clip.script, image_prompt: clip.image_prompt,
    image_id: clip.image_id, image_url: clip.image_url, file: null, preview: null,
    pictures: null, galleryOpen: false, error: null, waiting: null, ...keep.get(clip.id),
  }));
  renderBoard();
  $("estimate").hidden = true;
  if (project.status === "awaiting_approval") showEstimate(project);
}

function renderBoard() {
  const { cards, project } = board;
  $("clips").replaceChildren(
    ...cards.map((card, position) => cardElement(card, position, cards.length, project.aspect)));
  updateBar();
}

function updateBar() {
  const changed = isChanged(board.project, board.cards);
  const approving = board.project.status === "awaiting_approval";
  const save = $("save");
  save.textContent = approving ? "Approve and render" : "Save";
  save.disabled = board.busy || !(changed || approving);
  $("discard").hidden = !changed;
  $("discard").disabled = board.busy;
}

async function showEstimate(project) {
  const estimate = await api(`/v1/projects/${project.id}/estimate`).catch(() => null);
  if (!estimate || board.project?.id !== project.id) return;
  $("estimate").textContent = `Rendering makes ${estimate.voice_calls} voice(s) and `
    + `${estimate.image_calls} picture(s): about $${Number(estimate.cost_usd).toFixed(4)}.`;
  $("estimate").hidden = false;
}

function say(message) {
  $("board-note").textContent = message;
}

const cardOf = (element) => {
  const item = element.closest(".card");
  return item && board.cards.find((card) => card.key === item.dataset.key);
};
const itemOf = (card) => $("clips").querySelector(`.card[data-key="${card.key}"]`);

function refresh(card) {
  const item = itemOf(card);
  if (item) updateCard(item, card);
  updateBar();
}

function move(card, offset, focus) {
  const from = board.cards.indexOf(card);
  const to = from + offset;
  if (to < 0 || to >= board.cards.length) return;
  board.cards.splice(from, 1);
  board.cards.splice(to, 0, card);
  renderBoard();
  itemOf(card)?.querySelector(`[data-action="${focus}"]:not(:disabled)`)?.focus();
  say(`Clip moved to place ${to + 1}.`);
}

async function act(button, card) {
  const action = button.dataset.action;
  const at = board.cards.indexOf(card);
  if (action === "up" || action === "down") move(card, action === "up" ? -1 : 1, action);
  else if (action === "insert") {
    const added = { key: `new-${board.newKeys++}`, clip: null, script: "", image_prompt: "",
                    image_id: null, image_url: null, file: null, preview: null, pictures: null,
                    galleryOpen: false, error: null, waiting: null };
    board.cards.splice(at + 1, 0, added);
    renderBoard();
    itemOf(added).querySelector("textarea").focus();
  } else if (action === "delete") {
    board.cards.splice(at, 1);
    renderBoard();
    say(`Clip ${at + 1} deleted; Save to keep it so, Discard to bring it back.`);
  } else if (action === "pick") {
    const picture = card.pictures[[...button.closest(".gallery").children]
      .indexOf(button.closest("li"))];
    Object.assign(card, { image_id: picture.id, image_url: picture.url, file: null,
                          preview: null });
    refresh(card);
  } else if (action === "pictures") await openPictures(card);
  else if (action === "reroll") await reroll(button, card);
}

async function openPictures(card) {
  card.galleryOpen = !card.galleryOpen;
  if (card.galleryOpen) {
    try {
      card.pictures = await listPictures(board.project.id, card.clip.index);
    } catch (error) {
      card.error = `Could not list its pictures: ${error.message}`;
    }
  }
  refresh(card);
}

async function reroll(button, card) {
  const count = Number(itemOf(card).querySelector('[data-field="count"]').value);
  button.disabled = true;
  card.waiting = `Drawing ${count}…`;
  card.error = null;
  refresh(card);
  try {
    const { pictures, fresh } = await rerollPicture(board.project.id, card.clip.index, count,
      (message) => { card.waiting = message; refresh(card); });
    Object.assign(card, { pictures, galleryOpen: true });
    if (fresh < count) card.error = `Only ${fresh} of ${count} variants came; try again later.`;
  } catch (error) {
    card.error = `Could not re-roll: ${error.message}`;
  } finally {
    card.waiting = null;
    button.disabled = false;
    refresh(card);
  }
}

async function save() {
  const found = problems(board.cards);
  for (const card of board.cards) card.error = null;
  for (const [key, message] of found) board.cards.find((card) => card.key === key).error = message;
  board.cards.forEach(refresh);
  if (found.length) return;
  board.busy = true;
  updateBar();
  say("Saving…");
  const sent = new Set();
  try {
    const started = await saveBoard(board.project, board.cards, (card) => sent.add(card.key));
    say("");
    board.signature = "";
    board.started(started, remadeBy(started));
  } catch (error) {
    await failedSave(error, sent);
  } finally {
    board.busy = false;
    if (board.project) updateBar();
  }
}

function remadeBy(project) {
  return new Set((project.clips ?? []).filter((clip) => clip.status !== "rendered")
    .map((clip) => clip.index));
}

/** Say why, and read the project again: what was sent is staged there now, what was not is
 *  kept on its card (all but a clip changed elsewhere, which shows as it is now). */
async function failedSave(error, sent) {
  if (error.status === 401) return;
  const position = board.cards.indexOf(error.card) + 1;
  const elsewhere = error.status === 412;
  say(elsewhere ? `Clip ${position} was changed elsewhere, reloaded.`
                : `Could not save: ${error.message}`);
  if (error.card && !elsewhere) error.card.error = error.message;
  board.keep = new Map(board.cards
    .filter((card) => card.clip && !sent.has(card.key) && !(elsewhere && card === error.card))
    .map((card) => [card.clip.id, draftOf(card)]));
  const fresh = await api(`/v1/projects/${board.project.id}`).catch(() => null);
  if (fresh && (elsewhere || signatureOf(fresh) !== board.signature)) {
    board.signature = "";
    board.reload(fresh);
  } else board.keep = null;
  if (error.card) refresh(error.card);
}

function draftOf(card) {
  const { script, image_prompt, image_id, image_url, file, preview, error } = card;
  return { script, image_prompt, image_id, image_url, file, preview, error };
}

function discard() {
  board.keep = null;
  load(board.project);
  say("Changes discarded.");
}

function dropPlace(event, card) {
  const box = itemOf(card).getBoundingClientRect();
  const after = event.clientY > box.top + box.height / 2;
  return board.cards.indexOf(card) + (after ? 1 : 0);
}

/** The list's events, wired once (the cards come and go). */
export function wireBoard() {
  const list = $("clips");
  const onBoard = (event) => list.dataset.mode === "board" && !board.busy && cardOf(event.target);
  list.addEventListener("input", (event) => {
    const card = onBoard(event);
    const field = event.target.dataset.field;
    if (!card || !["script", "image_prompt"].includes(field)) return;
    card[field] = event.target.value;
    refresh(card);
  });
  list.addEventListener("change", async (event) => {
    const card = onBoard(event);
    if (!card || event.target.dataset.field !== "file" || !event.target.files.length) return;
    const file = event.target.files[0];
    Object.assign(card, { file, preview: await previewOf(file), error: null });
    refresh(card);
  });
  list.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-action]");
    const card = onBoard(event);
    if (button && card) act(button, card);
  });
  list.addEventListener("dragstart", (event) => {
    const card = onBoard(event);
    if (!card || !event.target.classList?.contains("grip")) return;
    board.dragged = card;
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.key);
    event.dataTransfer.setDragImage(itemOf(card), 24, 24);
    itemOf(card).classList.add("dragging");
  });
  list.addEventListener("dragover", (event) => {
    if (board.dragged && onBoard(event)) event.preventDefault();
  });
  list.addEventListener("drop", (event) => {
    const card = onBoard(event);
    const dragged = board.dragged;
    board.dragged = null;
    if (!card || !dragged || card === dragged) return;
    event.preventDefault();
    const place = dropPlace(event, card);
    const from = board.cards.indexOf(dragged);
    move(dragged, (place > from ? place - 1 : place) - from, "up");
  });
  list.addEventListener("dragend", () => {
    board.dragged = null;
    for (const item of list.querySelectorAll(".dragging")) item.classList.remove("dragging");
  });
  $("save").addEventListener("click", save);
  $("discard").addEventListener("click", discard);
}
