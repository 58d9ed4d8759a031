// The Faceless page: create a project, watch it being made, browse past ones.
// It talks to the /v1 API like any client; this module only wires the parts together.
import { askForKey, forgetKey, loadAccount, saveKey } from "./account.js";
import { onUnauthorized } from "./api.js";
import { createProject, loadPresets, loadVoices, switchSource } from "./create_form.js";
import { showFieldError } from "./field_errors.js";
import { loadProjects, newerProjects, olderProjects, reloadProjects } from "./project_list.js";
import { act, openProject, showEmpty } from "./project_view.js";
import { wireBoard } from "./storyboard.js";
import { wireVersions } from "./versions.js";

const $ = (id) => document.getElementById(id);

async function start() {
  if (!(await loadAccount())) return;
  try {
    await Promise.all([loadPresets(), loadVoices(), loadProjects(0)]);
  } catch (error) {
    if (error.status !== 401) showFieldError("form", error.message);
    return;
  }
  route();
}

function route() {
  const match = location.hash.match(/^#\/projects\/([0-9a-f-]{36})$/);
  if (match) openProject(match[1]);
  else showEmpty();
}

function wire() {
  onUnauthorized(askForKey);
  const form = $("create-form");
  form.addEventListener("submit", createProject);
  for (const radio of form.elements.source) radio.addEventListener("change", switchSource);
  $("key-form").addEventListener("submit", (event) => saveKey(event) && start());
  $("forget-key").addEventListener("click", forgetKey);
  $("change-key").addEventListener("click", () => askForKey(""));
  $("refresh").addEventListener("click", reloadProjects);
  $("newer").addEventListener("click", newerProjects);
  $("older").addEventListener("click", olderProjects);
  $("retry").addEventListener("click", () => act("retry", $("retry")));
  $("cancel").addEventListener("click", () => act("cancel", $("cancel")));
  window.addEventListener("hashchange", route);
  wireBoard();
  wireVersions();
}

wire();
start();
