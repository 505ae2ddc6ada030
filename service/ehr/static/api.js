// The v1 API as the review app uses it: bearer key on every call, problem+json errors as ApiError.

export class ApiError extends Error {
  constructor(status, problem) {
    super((problem && (problem.detail || problem.title)) || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

export class Api {
  constructor(consultationId, key) {
    this.base = `/v1/consultations/${encodeURIComponent(consultationId)}`;
    this.ehr = `/ehr/api/consultations/${encodeURIComponent(consultationId)}`;
    this.key = key;
  }

  async request(url, { method = "GET", body, headers = {}, raw = false } = {}) {
    const init = { method, headers: { Authorization: `Bearer ${this.key}`, ...headers } };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const response = await fetch(url, init);
    if (!response.ok) {
      let problem = null;
      try { problem = await response.json(); } catch { /* not JSON */ }
      throw new ApiError(response.status, problem);
    }
    if (raw) return response;
    return { body: response.status === 204 ? null : await response.json(), etag: response.headers.get("ETag") };
  }

  status() { return this.request(this.base); }
  transcript() { return this.request(`${this.base}/transcript`); }
  findings() { return this.request(`${this.base}/findings`); }
  note() { return this.request(`${this.base}/note`); }
  saveSections(sections, etag) {
    return this.request(`${this.base}/note`, { method: "PUT", body: { sections }, headers: { "If-Match": etag } });
  }
  sign(etag) { return this.request(`${this.base}/note/sign`, { method: "POST", headers: { "If-Match": etag } }); }
  decisions() { return this.request(`${this.ehr}/decisions`); }
  decide(suggestionId, decision) {
    return this.request(`${this.ehr}/decisions/${encodeURIComponent(suggestionId)}`,
      { method: "PUT", body: { decision } });
  }
  ehrContext() { return this.request(`${this.ehr}/context`); }
  writeBack() { return this.request(`${this.ehr}/write-back`, { method: "POST" }); }
  reconciliation() { return this.request(`${this.ehr}/reconciliation`); }
  decideChartItem(itemId, decision) {
    return this.request(`${this.ehr}/reconciliation/${encodeURIComponent(itemId)}`,
      { method: "PUT", body: { decision } });
  }
  addToChart(itemId) {
    return this.request(`${this.ehr}/reconciliation/${encodeURIComponent(itemId)}/add-to-chart`, { method: "POST" });
  }
  async audio() {
    const response = await this.request(`${this.ehr}/audio`, { raw: true });
    return URL.createObjectURL(await response.blob());
  }
}
