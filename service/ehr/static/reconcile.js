// "Reconciliation with chart": what the consultation says against the EHR chart (SMART launch only), each
// item for the clinician to confirm or dismiss. The chart changes only on "Add to chart", never by itself.

import { $, el } from "./dom.js";

const KINDS = {
  new: "New medication", stopped: "Stopped medication", dose: "Dose differs", frequency: "Frequency differs",
  result: "Result differs",
};
const DECIDED = { confirmed: "confirmed by clinician", dismissed: "dismissed", added: "added to chart" };

export class Reconciliation {
  constructor({ announce, highlight }) {
    this.announce = announce;
    this.highlight = highlight;
    this.api = null;
    this.items = [];
  }

  message(text) {
    $("reconciliation").replaceChildren(el("li", { class: "empty", text }));
  }

  async load(api, ehr) {
    this.api = api;
    if (!ehr) {
      this.message("No chart: this consultation was not opened from an EHR, so there is nothing to reconcile with.");
      return;
    }
    this.message("Reading the chart…");
    try {
      const view = (await api.reconciliation()).body;
      if (view.unavailable) {
        this.message(view.unavailable);
        return;
      }
      this.items = view.items;
      const count = (n, what) => `${n} ${what}${n === 1 ? "" : "s"}`;
      this.summary = `Compared with ${count(view.medications_on_chart, "current medication")} and `
        + `${count(view.results_on_chart, "result")} on the chart.`;
      this.render();
    } catch (error) {
      this.message(`The chart could not be read: ${error.message}`);
    }
  }

  render() {
    $("reconciliation-summary").textContent = this.summary || "";
    if (!this.items.length) {
      this.message("Nothing to reconcile: what was said agrees with the chart.");
      return;
    }
    $("reconciliation").replaceChildren(...this.items.map((item) => el("li",
      { class: `suggestion reconcile-item kind-${item.kind}${item.decision ? " decided" : ""}`,
        dataset: { item: item.id }, "aria-labelledby": `reconcile-${item.id}` },
      el("p", { class: "suggestion-kind", text: KINDS[item.kind] || item.kind }),
      el("p", { class: "suggestion-text", id: `reconcile-${item.id}`, text: item.text }),
      item.said ? el("p", { class: "reasons" }, "Said: ", el("button", {
        type: "button", class: "link", text: item.said, onclick: () => this.highlight(item.evidence),
      })) : null,
      item.chart ? el("p", { class: "source", text: `Chart: ${item.chart}` }) : null,
      item.decision ? el("span", { class: `badge badge-${item.decision}`, text: DECIDED[item.decision] }) : null,
      item.decision === "added" ? null : el("div", { class: "actions" },
        el("button", { type: "button", class: "confirm", text: "Confirm", "aria-pressed": String(item.decision === "confirmed"),
          "aria-label": `Confirm: ${item.text}`, onclick: () => this.decide(item, "confirmed") }),
        el("button", { type: "button", class: "dismiss", text: "Dismiss", "aria-pressed": String(item.decision === "dismissed"),
          "aria-label": `Dismiss: ${item.text}`, onclick: () => this.decide(item, "dismissed") }),
        item.can_add_to_chart ? el("button", { type: "button", class: "add", text: "Add to chart",
          "aria-label": `Add to chart: ${item.said}`, onclick: () => this.add(item) }) : null),
    )));
  }

  replace(item, changes) {
    this.items = this.items.map((old) => (old.id === item.id ? { ...old, ...changes } : old));
    this.render();
  }

  async decide(item, decision) {
    try {
      const saved = (await this.api.decideChartItem(item.id, decision)).body;
      this.replace(item, saved);
      this.announce(`Reconciliation: ${DECIDED[decision]}: ${item.text}`);
    } catch (error) {
      this.announce(`The decision was not saved: ${error.message}`);
    }
  }

  async add(item) {
    try {
      const added = (await this.api.addToChart(item.id)).body;
      this.replace(item, { decision: "added" });
      this.announce(`Added to the chart as ${added.reference}.`);
    } catch (error) {
      this.announce(`The medication was not added to the chart: ${error.message}`);
    }
  }
}
