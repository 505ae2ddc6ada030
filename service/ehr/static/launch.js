// After a SMART launch for an encounter with no consultation: upload one, link it, open its review.

import { KEY_STORAGE, keyFromLaunch, patientBanner } from "./session.js";

const launchId = document.body.dataset.launchId;
const key = keyFromLaunch() || sessionStorage.getItem(KEY_STORAGE);
const $ = (id) => document.getElementById(id);
const AUDIO = /\.(wav|mp3|m4a|ogg|oga|webm|flac)$/i;

async function request(url, init = {}) {
  const response = await fetch(url, { ...init, headers: { Authorization: `Bearer ${key}`, ...(init.headers || {}) } });
  const body = await response.json().catch(() => null);
  if (!response.ok) throw new Error((body && (body.detail || body.title)) || `HTTP ${response.status}`);
  return body;
}

async function start() {
  if (!key) { $("status").textContent = "Open this app from your EHR."; return; }
  try {
    const context = await request(`/ehr/api/launches/${encodeURIComponent(launchId)}`);
    $("patient-banner").textContent = patientBanner(context);
  } catch (error) {
    $("status").textContent = `This launch is not available: ${error.message}`;
  }
  $("upload-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const file = $("upload-file").files[0];
    if (!file) return;
    const form = new FormData();
    form.append(file.type.startsWith("audio/") || AUDIO.test(file.name) ? "audio" : "transcript", file);
    // Consent is sent when given (a recording needs it; the API's refusal names what is missing).
    const method = $("consent-method").value;
    const confirmedBy = $("consent-confirmed-by").value.trim();
    if (method) form.append("consent_method", method);
    if (confirmedBy) form.append("consent_confirmed_by", confirmedBy);
    // Linked as it is created, so its job reads the chart (the patient's drugs and problems as vocabulary).
    form.append("ehr_launch", launchId);
    $("status").textContent = "Uploading…";
    try {
      const accepted = await request("/v1/consultations", { method: "POST", body: form });
      await request(`/ehr/api/launches/${encodeURIComponent(launchId)}/consultation`, {
        method: "PUT", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ consultation_id: accepted.id }) });
      window.location.assign(`/ehr/consultations/${encodeURIComponent(accepted.id)}`);
    } catch (error) {
      $("status").textContent = `The upload failed: ${error.message}`;
    }
  });
}

start();
