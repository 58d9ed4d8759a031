// The "New video" form: presets, voices, topic or script (each keeps its own draft), and
// the API's 422s shown under the fields they name.
import { api } from "./api.js";
import { clearErrors, showFieldError } from "./field_errors.js";
import { loadProjects } from "./project_list.js";
import { watch } from "./project_view.js";

const DEFAULT_PRESET = "midnight"; // the API's default for a project's preset
const SOURCE_TEXT = {
  topic: { label: "Topic", rows: 2, hint: "We write the script for you.",
           placeholder: "Why octopuses have three hearts" },
  script: { label: "Script", rows: 8, hint: "Read as written, one clip every few sentences.",
            placeholder: "Paste the narration here." },
};
// The field a 422's `loc` names → the id of the element showing its error.
const ERROR_FIELDS = { topic: "text", script: "text", aspect: "aspect", preset: "preset",
                       duration: "duration", voice: "voice", language: "language",
                       speed: "speed" };

const $ = (id) => document.getElementById(id);
const drafts = { topic: "", script: "" };

export async function loadPresets() {
  const presets = await api("/v1/presets");
  const select = $("preset");
  const chosen = select.value || DEFAULT_PRESET;
  select.replaceChildren(...presets.map((preset) => new Option(preset.name, preset.name)));
  if (presets.some((preset) => preset.name === chosen)) select.value = chosen;
  const describe = () => {
    $("preset-hint").textContent = presets.find((p) => p.name === select.value)?.description ?? "";
  };
  select.onchange = describe;
  describe();
}

// The configured provider's voices to pick from; left empty, the project takes the default.
// A provider whose voices are its own (Cartesia) lists none: its voice id is typed in.
export async function loadVoices() {
  const voices = await api("/v1/voices");
  $("voice-options").replaceChildren(
    ...voices.voices.map((voice) => new Option(voice.name, voice.id)));
  $("voice").placeholder = `Default: ${voices.default}`;
  $("voice-hint").textContent = voices.note;
}

export function switchSource() {
  const source = $("create-form").elements.source.value;
  const previous = source === "script" ? "topic" : "script";
  drafts[previous] = $("text").value;
  const text = SOURCE_TEXT[source];
  $("text-label").textContent = text.label;
  $("text-hint").textContent = text.hint;
  Object.assign($("text"), { rows: text.rows, placeholder: text.placeholder,
                             value: drafts[source] });
  showFieldError("text", "");
}

export async function createProject(event) {
  event.preventDefault();
  const form = event.target;
  const button = form.querySelector("button[type=submit]");
  clearErrors(form);
  button.disabled = true;
  button.textContent = "Creating…";
  try {
    const project = await api("/v1/projects", { method: "POST", body: formBody(form) });
    history.pushState(null, "", `#/projects/${project.id}`);
    watch(project);
    loadProjects(0);
  } catch (error) {
    showCreateErrors(error);
  } finally {
    button.disabled = false;
    button.textContent = "Create video";
  }
}

function formBody(form) {
  const data = new FormData(form);
  return {
    [data.get("source")]: data.get("text"),
    aspect: data.get("aspect"),
    preset: data.get("preset") || null,
    duration: Number(data.get("duration")),
    captions: data.get("captions") === "on",
    review: data.get("review") === "on",
    voice: data.get("voice").trim() || null,
    language: data.get("language").trim() || null,
    speed: data.get("speed") ? Number(data.get("speed")) : null,
  };
}

function showCreateErrors(error) {
  if (error.status === 401) return;
  if (error.status !== 422 || !Array.isArray(error.detail)) {
    showFieldError("form", error.message);
    return;
  }
  const messages = {};
  for (const item of error.detail) {
    const field = ERROR_FIELDS[item.loc?.[1]] ?? "form";
    const message = String(item.msg).replace(/^Value error, /, "");
    messages[field] = messages[field] ? `${messages[field]} ${message}` : message;
  }
  for (const [field, message] of Object.entries(messages)) showFieldError(field, message);
  $(Object.keys(messages)[0])?.focus?.();
}
