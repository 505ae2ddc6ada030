// How findings, times and suggestions read on screen (plain text only; the caller puts it in textContent).

const TITLES = { clinician: "Clinician", patient: "Patient", other: "Other" };
const KIND_LABELS = {
  symptom: "Symptom", timing: "Timing", medication: "Medication", electrolyte: "Electrolyte", lab: "Lab",
  condition: "Condition",
  cause: "Possible cause", workup: "Work-up", treatment: "Treatment", prevention: "Prevention",
  red_flag: "Red flag", code: "Code",
};
export const SUGGESTION_PLACE = {
  red_flag: "assessment", cause: "assessment", code: "assessment",
  workup: "plan", treatment: "plan", prevention: "plan",
};

export const speaker = (role) => TITLES[role] || role || "Unknown";
export const kindLabel = (kind) => KIND_LABELS[kind] || kind;
const words = (code) => (code || "").replaceAll("_", " ");
const capital = (text) => text.charAt(0).toUpperCase() + text.slice(1);

export function clock(seconds) {
  if (seconds === null || seconds === undefined) return "";
  const whole = Math.floor(seconds);
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, "0")}`;
}

export function findingLabel(finding) {
  const a = finding.attributes || {};
  let label = capital(words(finding.code));
  if (finding.value !== null && finding.value !== undefined) {
    label += ` ${finding.value}${finding.unit ? " " + finding.unit : ""}`;
    if (a.interpretation) label += ` (${a.interpretation})`;
  }
  if (a.dose && a.dose.value !== undefined) label += ` ${a.dose.value} ${a.dose.unit || ""}`.trimEnd();
  if (a.frequency) label += ` ${a.frequency}`;
  const where = [a.laterality, a.site].filter(Boolean).join(" ");
  if (where) label += ` (${where})`;
  return label;
}

export function assertionLabel(finding) {
  return finding.historical ? `${finding.assertion}, historical` : finding.assertion;
}

// "Recording consent: verbal, confirmed by Dr X, 2026-11-25 10:02" (local time), or why there is none.
export function consentLine(consultation) {
  const consent = consultation.consent;
  if (!consent) {
    return consultation.input_kind === "audio" ? "Recording consent: not recorded"
      : "Recording consent: not recorded (transcript upload)";
  }
  const at = new Date(consent.at);
  const pad = (n) => String(n).padStart(2, "0");
  const when = `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())} `
    + `${pad(at.getHours())}:${pad(at.getMinutes())}`;
  return `Recording consent: ${consent.method}, confirmed by ${consent.confirmed_by}, ${when}`;
}

// The sentence an accepted suggestion becomes: its text (with its code, for a coding suggestion).
export function acceptedText(suggestion) {
  const c = suggestion.coding;
  return c ? `${suggestion.text} ${c.code} ${c.display}.`.replace(/\.\.$/, ".") : suggestion.text;
}
