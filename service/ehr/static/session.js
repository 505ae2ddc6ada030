// The page's API key: from a SMART launch (URL fragment, removed at once) or typed in; kept in session storage.

export const KEY_STORAGE = "soapscribe.apiKey";

export function keyFromLaunch() {
  const match = /(?:^#|&)key=([^&]+)/.exec(window.location.hash);
  if (!match) return null;
  const key = decodeURIComponent(match[1]);
  sessionStorage.setItem(KEY_STORAGE, key);
  history.replaceState(null, "", window.location.pathname + window.location.search);
  return key;
}

export function patientBanner(context) {
  const p = context.patient || {};
  const e = context.encounter || {};
  const born = p.birth_date ? ` · born ${p.birth_date}` : "";
  const visit = [e.class, e.start ? e.start.slice(0, 10) : null].filter(Boolean).join(" ");
  return `${p.name || p.reference}${born} · ${e.reference}${visit ? " (" + visit + ")" : ""}`;
}
