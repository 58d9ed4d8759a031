// One storyboard card: a clip's picture, its script and image prompt editable in place, the
// buttons that move, insert and delete it, and its pictures (re-roll, pick, upload). Builds
// and updates the DOM only; storyboard.js keeps the cards and acts on the buttons.
import { changedFields } from "./storyboard_save.js";

const VARIANT_COUNTS = [1, 2, 3, 4];

/** A new card element for `card` at `position` (from 0) of `total` cards. */
export function cardElement(card, position, total, aspect) {
  const item = document.createElement("li");
  const name = `clip ${position + 1}`;
  item.className = "clip card";
  item.dataset.key = card.key;
  item.innerHTML = `
    <div class="thumb"><img alt="Picture of ${name}" hidden></div>
    <div class="clip-body">
      <div class="clip-head">
        <span class="grip" draggable="true" title="Drag to reorder" aria-hidden="true">⠿</span>
        <span class="clip-name">Clip ${position + 1}</span>
        <span class="clip-stage"></span>
      </div>
      <label class="card-field">Script
        <textarea data-field="script" rows="3" aria-label="Script of ${name}"></textarea></label>
      <label class="card-field">Image prompt
        <textarea data-field="image_prompt" rows="2"
                  aria-label="Image prompt of ${name}"></textarea></label>
      <div class="card-tools">
        <button type="button" class="ghost small" data-action="up"
                aria-label="Move ${name} up">↑</button>
        <button type="button" class="ghost small" data-action="down"
                aria-label="Move ${name} down">↓</button>
        <button type="button" class="ghost small" data-action="insert"
                aria-label="Insert a clip after ${name}">Insert after</button>
        <button type="button" class="ghost small" data-action="delete"
                aria-label="Delete ${name}">Delete</button>
      </div>
      <div class="card-tools pictures">
        <select data-field="count" aria-label="Variants of ${name}">
          ${VARIANT_COUNTS.map((n) => `<option value="${n}">${n}</option>`).join("")}
        </select>
        <button type="button" class="small" data-action="reroll"
                aria-label="Re-roll the picture of ${name}">Re-roll</button>
        <button type="button" class="ghost small" data-action="pictures" aria-expanded="false"
                aria-label="Pictures of ${name}">Pictures</button>
        <label class="button ghost small upload">Upload
          <input type="file" data-field="file" accept="image/png,image/jpeg,image/webp"
                 aria-label="Upload a picture for ${name}"></label>
      </div>
      <ul class="gallery" aria-label="Pictures to pick for ${name}" hidden></ul>
      <p class="clip-error" role="alert" hidden></p>
    </div>`;
  item.querySelector(".thumb").style.aspectRatio = aspect.replace(":", " / ");
  item.querySelector('[data-field="script"]').value = card.script;
  item.querySelector('[data-field="image_prompt"]').value = card.image_prompt;
  item.querySelector('[data-action="up"]').disabled = position === 0;
  item.querySelector('[data-action="down"]').disabled = position === total - 1;
  item.querySelector('[data-action="delete"]').disabled = total === 1;
  for (const action of ["reroll", "pictures"]) {
    item.querySelector(`[data-action="${action}"]`).disabled = !card.clip;
  }
  updateCard(item, card);
  return item;
}

/** What changes while the card is on show: its picture, badge, gallery and error. */
export function updateCard(item, card) {
  const image = item.querySelector(".thumb img");
  const source = card.preview ?? card.image_url;
  if (source && image.getAttribute("src") !== source) image.src = source;
  image.hidden = !source;
  const badge = badgeOf(card);
  item.dataset.stage = badge.stage;
  item.querySelector(".clip-stage").textContent = badge.text;
  renderGallery(item, card);
  const error = item.querySelector(".clip-error");
  error.textContent = card.error ?? "";
  error.hidden = !card.error;
}

function badgeOf(card) {
  if (card.waiting) return { stage: "image", text: card.waiting };
  if (!card.clip) return { stage: "edited", text: "New" };
  if (card.file || Object.keys(changedFields(card)).length) {
    return { stage: "edited", text: "Edited" };
  }
  const { status, duration_ms: ms } = card.clip;
  if (status === "failed") return { stage: "failed", text: "Failed" };
  if (status !== "rendered") return { stage: "waiting", text: "To render" };
  return { stage: "rendered", text: ms ? `Done · ${(ms / 1000).toFixed(1)} s` : "Done" };
}

function renderGallery(item, card) {
  const gallery = item.querySelector(".gallery");
  const open = Boolean(card.pictures) && card.galleryOpen;
  gallery.hidden = !open;
  item.querySelector('[data-action="pictures"]').setAttribute("aria-expanded", String(open));
  if (!open) return;
  const chosen = card.file ? null : card.image_id;
  const shown = [...gallery.children].map((each) => each.dataset.imageId);
  if (shown.join() === card.pictures.map((picture) => picture.id).join()) {
    for (const each of gallery.children) {
      each.querySelector("button").setAttribute("aria-pressed",
        String(each.dataset.imageId === chosen));
    }
    return;
  }
  gallery.replaceChildren(...card.pictures.map((picture, index) => {
    const entry = document.createElement("li");
    entry.dataset.imageId = picture.id;
    const pick = document.createElement("button");
    pick.type = "button";
    pick.className = "pick";
    pick.dataset.action = "pick";
    pick.setAttribute("aria-pressed", String(picture.id === chosen));
    pick.setAttribute("aria-label", `Picture ${index + 1} (${picture.source})`);
    const image = document.createElement("img");
    image.alt = "";
    image.src = picture.url;
    pick.append(image);
    entry.append(pick);
    return entry;
  }));
}
