// The review screen: transcript + audio, the note by SOAP section with evidence links, findings,
// suggestions, autosave with If-Match, and signing. Every piece of consultation text goes into the page
// through textContent, never as markup.

import { Api, ApiError } from "./api.js";
import { $, el } from "./dom.js";
import { SUGGESTION_PLACE, acceptedText, assertionLabel, consentLine, findingLabel, kindLabel } from "./format.js";
import { Reconciliation } from "./reconcile.js";
import { KEY_STORAGE, keyFromLaunch, patientBanner } from "./session.js";
import { Transcript } from "./transcript.js";

const SAVE_DELAY_MS = 700;
const state = {
  id: document.body.dataset.consultationId,
  api: null,
  transcript: null,
  findings: new Map(),
  note: null,
  etag: null,
  decisions: new Map(),
  selected: null, // [sectionIndex, sentenceIndex]
  dirty: false,
  saving: null,
  saveTimer: null,
  conflict: false,
  ehr: null, // the EHR context when the consultation was opened by a SMART launch
};

function announce(text) { $("status").textContent = text; }
const reconciliation = new Reconciliation({ announce, highlight: (evidence) => state.transcript.highlight(evidence) });
function setSaveState(text) { $("save-state").textContent = text; }
const signed = () => state.note && state.note.status === "signed";

// ---- start -------------------------------------------------------------------------------------

function start() {
  const form = $("key-form");
  const stored = keyFromLaunch() || sessionStorage.getItem(KEY_STORAGE);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const key = $("api-key").value.trim();
    if (!key) return;
    sessionStorage.setItem(KEY_STORAGE, key);
    open(key);
  });
  $("alert-reload").addEventListener("click", reloadNote);
  $("sign").addEventListener("click", askToSign);
  $("sign-dialog").addEventListener("close", () => {
    if ($("sign-dialog").returnValue === "sign") signNote();
  });
  document.addEventListener("keydown", onKey);
  if (stored) open(stored);
}

async function open(key) {
  state.api = new Api(state.id, key);
  announce("Loading the consultation…");
  try {
    let status = (await state.api.status()).body;
    while (!["ready", "failed", "deleted"].includes(status.status)) {
      announce(`The consultation is ${status.status} (${Math.round(status.progress * 100)}%)…`);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      status = (await state.api.status()).body;
    }
    if (status.status !== "ready") {
      announce(`This consultation has no note: it is ${status.status}${status.error ? ": " + status.error : ""}.`);
      return;
    }
    const [transcript, findings, note, decisions, ehr] = await Promise.all([
      state.api.transcript(), state.api.findings(), state.api.note(), state.api.decisions(),
      state.api.ehrContext().catch(() => null)]);
    state.ehr = ehr && ehr.body;
    if (state.ehr) $("context").textContent = patientBanner(state.ehr);
    state.transcript = new Transcript(transcript.body.segments);
    state.findings = new Map(findings.body.findings.map((f) => [f.id, f]));
    state.decisions = new Map(decisions.body.map((d) => [d.suggestion_id, d]));
    state.note = note.body; linkSubsections(state.note);
    state.etag = note.etag;
    $("key-form").hidden = true;
    $("review").hidden = false;
    state.transcript.render();
    $("consent").textContent = consentLine(status);
    renderAll();
    announce(`Note version ${state.note.version} loaded.`);
    reconciliation.load(state.api, state.ehr); // after the note: the chart is read from the EHR, which may be slow
    if (status.audio_purged_at) {
      $("consent").textContent += ` · recording deleted ${new Date(status.audio_purged_at).toLocaleDateString()}`
        + " (retention period)";
    } else if (status.input_kind === "audio") {
      state.api.audio().then((url) => state.transcript.attachAudio(url))
        .catch((error) => announce(`The recording could not be loaded: ${error.message}`));
    }
    if (signed() && state.ehr && !state.ehr.document_reference) writeBack(); // an earlier send failed
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      sessionStorage.removeItem(KEY_STORAGE);
      $("key-form").hidden = false;
      $("review").hidden = true;
      announce("That API key was not accepted. Enter a valid key.");
      $("api-key").focus();
    } else {
      announce(`Could not load the consultation: ${error.message}`);
    }
  }
}

// ---- the note ----------------------------------------------------------------------------------

function acceptedSuggestionFor(sectionCode, text) {
  for (const suggestion of state.note.suggestions) {
    const decision = state.decisions.get(suggestion.id);
    if (decision && decision.decision === "accepted" && decision.section === sectionCode
        && acceptedText(suggestion) === text) return suggestion;
  }
  return null;
}

function renderAll() {
  renderNote();
  renderFindings();
  renderSuggestions();
  const readOnly = signed();
  $("sign").disabled = readOnly;
  $("note-state").textContent = readOnly
    ? `Signed${state.note.signed_at ? " " + new Date(state.note.signed_at).toLocaleString() : ""} · read-only`
    : `Draft · version ${state.note.version}`;
  $("note-state").className = `badge ${readOnly ? "badge-signed" : "badge-draft"}`;
  document.body.classList.toggle("read-only", readOnly);
  if (state.selected) select(...state.selected, { play: false });
}

// A section's subsections hold the very sentence objects of the section (by position), so an edit of a
// sentence is an edit of its subsection too; a note whose subsections do not add up shows one flat list.
function linkSubsections(note) {
  for (const section of note.sections) {
    const parts = section.subsections || [];
    const count = parts.reduce((n, part) => n + part.sentences.length, 0);
    if (count !== section.sentences.length) { section.subsections = []; continue; }
    let at = 0;
    for (const part of parts) {
      part.sentences = section.sentences.slice(at, at + part.sentences.length);
      at += part.sentences.length;
    }
  }
}

function sentenceItem(section, s, sentence, i, readOnly) {
  const accepted = acceptedSuggestionFor(section.code, sentence.text);
  const item = el("li", {
    class: "sentence", tabindex: "-1", dataset: { section: s, index: i },
    "aria-label": `${section.title} sentence ${i + 1}`,
  },
  el("span", {
    class: "sentence-text", text: sentence.text, role: "textbox",
    "aria-label": `${section.title} sentence ${i + 1} text`,
    "aria-readonly": readOnly ? "true" : "false",
    contenteditable: readOnly ? "false" : "plaintext-only",
    spellcheck: "true",
    oninput: (event) => onEdit(s, i, event.target),
    onkeydown: (event) => {
      if (event.key === "Escape") { event.preventDefault(); item.focus(); }
      if (event.key === "Enter") event.preventDefault(); // one sentence is one line
    },
  }),
  accepted ? el("span", { class: "badge badge-accepted", text: "accepted by clinician" }) : null,
  sentence.evidence.length === 0 && !accepted
    ? el("span", { class: "badge badge-noevidence", text: "no evidence" }) : null);
  item.addEventListener("click", () => select(s, i));
  item.addEventListener("focusin", () => { if (!sameSelection(s, i)) select(s, i, { focus: false }); });
  return item;
}

// The section's sentences under its subsection headings (chief complaint, a problem, ...), numbered as one list.
function sectionBody(section, s, readOnly) {
  const parts = section.subsections && section.subsections.length
    ? section.subsections : [{ code: section.code, title: "", sentences: section.sentences }];
  let at = 0;
  return parts.map((part) => {
    const first = at;
    at += part.sentences.length;
    return el("div", { class: `subsection${part.problem ? " problem" : ""}`, dataset: { subsection: part.code } },
      part.title ? el("h4", { text: part.title }) : null,
      el("ol", { class: "sentences", start: String(first + 1) },
        part.sentences.map((sentence, j) => sentenceItem(section, s, sentence, first + j, readOnly))));
  });
}

function renderNote() {
  const readOnly = signed();
  $("sections").replaceChildren(...state.note.sections.map((section, s) => el("section",
    { class: "note-section", "aria-labelledby": `section-${section.code}` },
    el("h3", { id: `section-${section.code}`, text: section.title }),
    section.sentences.length === 0 ? el("p", { class: "empty", text: "Nothing recorded." }) : null,
    ...(section.sentences.length ? sectionBody(section, s, readOnly) : []),
  )));
}

const sameSelection = (s, i) => state.selected && state.selected[0] === s && state.selected[1] === i;

function select(s, i, { play = true, focus = false } = {}) {
  const sentence = state.note.sections[s]?.sentences[i];
  if (!sentence) return;
  state.selected = [s, i];
  for (const item of document.querySelectorAll(".sentence")) {
    const on = Number(item.dataset.section) === s && Number(item.dataset.index) === i;
    item.classList.toggle("selected", on);
    item.setAttribute("aria-current", on ? "true" : "false");
    if (on && focus) item.focus();
  }
  for (const chip of document.querySelectorAll("#findings .chip")) {
    chip.classList.toggle("related", sentence.finding_ids.includes(chip.dataset.finding));
  }
  state.transcript.highlight(sentence.evidence, { play });
}

function moveSelection(step) {
  const flat = [];
  state.note.sections.forEach((section, s) => section.sentences.forEach((_, i) => flat.push([s, i])));
  if (!flat.length) return;
  const now = state.selected ? flat.findIndex(([s, i]) => sameSelection(s, i)) : -1;
  const next = Math.min(flat.length - 1, Math.max(0, now + step));
  select(...flat[next], { focus: true });
}

function renderFindings() {
  $("findings").replaceChildren(...[...state.findings.values()].map((finding) => el("li",
    { class: `chip kind-${finding.kind} assertion-${finding.assertion}`, dataset: { finding: finding.id } },
    el("button", {
      type: "button", "aria-label": `${kindLabel(finding.kind)}: ${findingLabel(finding)}, ${assertionLabel(finding)}`,
      onclick: () => state.transcript.highlight(finding.evidence),
    },
    el("span", { class: "chip-kind", text: kindLabel(finding.kind) }),
    el("span", { class: "chip-label", text: findingLabel(finding) }),
    el("span", { class: "chip-assertion", text: assertionLabel(finding) })),
  )));
}

function openSuggestions() {
  return state.note.suggestions.filter((suggestion) => !state.decisions.has(suggestion.id));
}

function renderSuggestions() {
  const readOnly = signed();
  const open = openSuggestions();
  const list = $("suggestions");
  if (!open.length) {
    list.replaceChildren(el("li", { class: "empty", text: "No open suggestions." }));
    return;
  }
  list.replaceChildren(...open.map((suggestion) => el("li",
    { class: `suggestion kind-${suggestion.kind}`, dataset: { suggestion: suggestion.id },
      "aria-labelledby": `suggestion-${suggestion.id}` },
    el("p", { class: "suggestion-kind", text: `${kindLabel(suggestion.kind)} · for ${SUGGESTION_PLACE[suggestion.kind]}` }),
    el("p", { class: "suggestion-text", id: `suggestion-${suggestion.id}`, text: suggestion.text }),
    suggestion.coding ? el("p", { class: "coding",
      text: `${suggestion.coding.code} ${suggestion.coding.display}` }) : null,
    el("p", { class: "reasons" }, "Because: ", suggestion.reasons.map((id, n) => {
      const finding = state.findings.get(id);
      return [n ? ", " : "", el("button", {
        type: "button", class: "link", text: finding ? findingLabel(finding) : id,
        onclick: () => finding && state.transcript.highlight(finding.evidence),
      })];
    })),
    el("p", { class: "source", text: `Source: ${suggestion.source.topic.replaceAll("_", " ")} › ${suggestion.source.section}` }),
    readOnly ? null : el("div", { class: "actions" },
      el("button", { type: "button", class: "accept", text: "Accept",
        "aria-label": `Accept: ${suggestion.text}`, onclick: () => accept(suggestion) }),
      el("button", { type: "button", class: "dismiss", text: "Dismiss",
        "aria-label": `Dismiss: ${suggestion.text}`, onclick: () => dismiss(suggestion) })),
  )));
}

// ---- editing, saving, signing ------------------------------------------------------------------

function onEdit(s, i, node) {
  state.note.sections[s].sentences[i].text = node.textContent;
  state.dirty = true;
  setSaveState("Unsaved changes…");
  clearTimeout(state.saveTimer);
  state.saveTimer = setTimeout(save, SAVE_DELAY_MS);
}

function cleanSections() {
  const clean = (sentences) => sentences
    .map((sentence) => ({ ...sentence, text: sentence.text.replace(/\s+/g, " ").trim() }))
    .filter((sentence) => sentence.text !== "");
  return state.note.sections.map((section) => ({
    code: section.code, title: section.title,
    sentences: clean(section.sentences),
    subsections: (section.subsections || []).map((part) => ({ ...part, sentences: clean(part.sentences) }))
      .filter((part) => part.sentences.length > 0),
  }));
}

// Saves the sections (one save at a time; an edit during a save is saved right after).
async function save() {
  clearTimeout(state.saveTimer);
  while (state.saving) await state.saving; // whoever resumes first starts the next save; the rest wait for it
  if (state.conflict) return false;
  if (!state.dirty || signed()) return true;
  state.dirty = false;
  setSaveState("Saving…");
  state.saving = (async () => {
    try {
      const saved = await state.api.saveSections(cleanSections(), state.etag);
      state.etag = saved.etag;
      const local = state.note.sections;
      state.note = saved.body; linkSubsections(state.note);
      if (state.dirty) state.note.sections = local; // keep typing that happened during the save
      setSaveState(`Saved · version ${state.note.version}`);
      $("note-state").textContent = `Draft · version ${state.note.version}`;
      return true;
    } catch (error) {
      state.dirty = true;
      handleWriteError(error, "Your last change was not saved.");
      return false;
    } finally {
      state.saving = null;
    }
  })();
  return state.saving;
}

function handleWriteError(error, what) {
  if (error instanceof ApiError && (error.status === 412 || error.status === 409)) {
    state.conflict = true;
    for (const node of document.querySelectorAll(".sentence-text")) node.setAttribute("contenteditable", "false");
    const why = error.status === 412
      ? "Someone else changed this note since you opened it."
      : "This note was signed elsewhere and can no longer be edited.";
    $("alert-text").textContent = `${why} ${what} Reload the note to see the current version.`;
    $("alert").hidden = false;
    setSaveState("Not saved");
  } else {
    setSaveState("Not saved");
    announce(`${what} ${error.message}`);
  }
}

async function reloadNote() {
  const [note, decisions] = await Promise.all([state.api.note(), state.api.decisions()]);
  state.note = note.body; linkSubsections(state.note);
  state.etag = note.etag;
  state.decisions = new Map(decisions.body.map((d) => [d.suggestion_id, d]));
  state.dirty = false;
  state.conflict = false;
  $("alert").hidden = true;
  setSaveState("");
  renderAll();
  announce(`Reloaded: note version ${state.note.version}.`);
}

function evidenceOf(findingIds) {
  const seen = new Set();
  const spans = [];
  for (const id of findingIds) {
    for (const span of state.findings.get(id)?.evidence || []) {
      const key = `${span.segment}:${span.start}:${span.end}`;
      if (seen.has(key)) continue;
      seen.add(key);
      spans.push({ segment: span.segment, start: span.start, end: span.end, t0: span.t0 ?? null, t1: span.t1 ?? null });
    }
  }
  return spans;
}

async function accept(suggestion) {
  if (signed() || state.conflict || !(await save())) return;
  const place = SUGGESTION_PLACE[suggestion.kind];
  const section = state.note.sections.find((candidate) => candidate.code === place);
  const added = { text: acceptedText(suggestion), finding_ids: [...suggestion.reasons],
    evidence: evidenceOf(suggestion.reasons) };
  section.sentences.push(added);
  const parts = section.subsections || [];
  if (parts.length) parts[parts.length - 1].sentences.push(added); // shown last, as it is last in the section
  state.dirty = true;
  if (!(await save())) return;
  try {
    const decision = await state.api.decide(suggestion.id, "accepted");
    state.decisions.set(suggestion.id, decision.body);
  } catch (error) {
    announce(`The suggestion is in the note, but its acceptance was not recorded: ${error.message}`);
  }
  renderAll();
  announce(`Accepted into ${section.title}: ${suggestion.text}`);
}

async function dismiss(suggestion) {
  if (signed()) return;
  try {
    const decision = await state.api.decide(suggestion.id, "dismissed");
    state.decisions.set(suggestion.id, decision.body);
    renderSuggestions();
    announce(`Dismissed: ${suggestion.text}`);
  } catch (error) {
    handleWriteError(error, "The dismissal was not saved.");
  }
}

function askToSign() {
  if (signed() || state.conflict) return;
  $("sign-dialog").returnValue = "";
  $("sign-dialog").showModal();
}

async function signNote() {
  if (!(await save())) return;
  try {
    const result = await state.api.sign(state.etag);
    state.note = result.body; linkSubsections(state.note);
    state.etag = result.etag;
    renderAll();
    announce(`Signed: note version ${state.note.version} is final.`);
  } catch (error) {
    handleWriteError(error, "The note was not signed.");
    return;
  }
  if (state.ehr) await writeBack();
}

// A signed note opened from an EHR goes back to it as a DocumentReference (and Composition).
async function writeBack() {
  announce("Signed. Sending the note to the EHR…");
  try {
    const written = (await state.api.writeBack()).body;
    state.ehr.document_reference = written.document_reference;
    announce(`Signed and saved to the EHR as ${written.document_reference}.`);
  } catch (error) {
    announce(`Signed, but the note could not be sent to the EHR: ${error.message}`);
  }
}

// ---- keyboard ----------------------------------------------------------------------------------

function onKey(event) {
  if (event.ctrlKey || event.metaKey || event.altKey || $("review").hidden) return;
  if ($("sign-dialog").open) return;
  const target = event.target;
  if (target.closest("input, textarea, select, [contenteditable='true'], [contenteditable='plaintext-only']")) return;
  const first = openSuggestions()[0];
  switch (event.key) {
    case "j": moveSelection(1); break;
    case "k": moveSelection(-1); break;
    case "Enter": {
      const item = target.closest(".sentence");
      if (!item || signed()) return;
      const text = item.querySelector(".sentence-text");
      text.focus();
      document.getSelection().selectAllChildren(text);
      document.getSelection().collapseToEnd();
      break;
    }
    case "a": if (first) accept(first); break;
    case "d": if (first) dismiss(first); break;
    case "s": askToSign(); break;
    case "p": state.transcript.togglePlay(); break;
    default: return;
  }
  event.preventDefault();
}

start();
