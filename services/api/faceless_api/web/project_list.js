// The past projects, a page at a time, the one on show marked as current.
import { api } from "./api.js";
import { projectName, relativeTime, setStatus } from "./words.js";

const PAGE_SIZE = 8;
const $ = (id) => document.getElementById(id);
const list = { offset: 0, current: null };
const href = (projectId) => `#/projects/${projectId}`;

export async function loadProjects(offset) {
  try {
    const page = await api(`/v1/projects?limit=${PAGE_SIZE}&offset=${offset}`);
    list.offset = page.offset;
    renderList(page);
  } catch (error) {
    if (error.status === 401) return;
    $("project-list").replaceChildren(note(`Could not load projects: ${error.message}`));
  }
}

export const reloadProjects = () => loadProjects(list.offset);
export const newerProjects = () => loadProjects(Math.max(0, list.offset - PAGE_SIZE));
export const olderProjects = () => loadProjects(list.offset + PAGE_SIZE);

/** Mark the project on show (null for none), and keep its status in the list current. */
export function markCurrent(project) {
  list.current = project?.id ?? null;
  if (project) {
    setStatus(document.querySelector(`a[href="${href(project.id)}"] .status`), project.status);
  }
  highlightCurrent();
}

function renderList(page) {
  const items = page.items.map(listItem);
  $("project-list").replaceChildren(...(items.length ? items : [note("No videos yet.")]));
  $("newer").disabled = page.offset === 0;
  $("older").disabled = page.next_offset === null;
  $("page-info").textContent = page.total
    ? `${page.offset + 1}–${page.offset + page.items.length} of ${page.total}` : "";
  highlightCurrent();
}

function highlightCurrent() {
  for (const link of document.querySelectorAll(".project-link")) {
    const current = list.current !== null && link.getAttribute("href") === href(list.current);
    link.toggleAttribute("aria-current", current);
  }
}

function listItem(project) {
  const link = document.createElement("a");
  link.className = "project-link";
  link.href = href(project.id);
  const name = document.createElement("span");
  name.className = "name";
  name.textContent = projectName(project);
  const when = document.createElement("span");
  when.className = "when";
  when.textContent = `${relativeTime(project.created_at)} · ${project.aspect}`;
  const status = document.createElement("span");
  status.className = "status";
  setStatus(status, project.status);
  link.append(name, when, status);
  const item = document.createElement("li");
  item.append(link);
  return item;
}

function note(text) {
  const item = document.createElement("li");
  item.className = "note";
  item.textContent = text;
  return item;
}
