// The transcript pane: segments with speakers and times, the recording's player kept in step with them,
// and evidence spans (segment + character offsets) marked in the text.

import { $, el } from "./dom.js";
import { clock, speaker } from "./format.js";

const hasTime = (t) => t !== null && t !== undefined;

export class Transcript {
  constructor(segments) {
    this.segments = segments;
    this.audio = false;
    this.list = $("transcript");
    this.player = $("player");
  }

  render() {
    this.list.classList.toggle("untimed", this.segments.every((segment) => !hasTime(segment.start)));
    this.list.replaceChildren(...this.segments.map((segment) => el("li",
      { class: `segment speaker-${segment.speaker}`, id: `segment-${segment.id}`, dataset: { segment: segment.id } },
      hasTime(segment.start)
        ? el("button", { type: "button", class: "time", text: clock(segment.start),
          "aria-label": `Play from ${clock(segment.start)}`, onclick: () => this.playFrom(segment.start) })
        : el("span", { class: "time" }),
      el("span", { class: "speaker", text: speaker(segment.speaker) }),
      el("span", { class: "text", text: segment.text }),
    )));
    for (const item of this.list.children) {
      item.addEventListener("click", (event) => {  // click a line to play from there
        if (!event.target.closest("button")) this.playFrom(this.segments[Number(item.dataset.segment)]?.start);
      });
    }
  }

  // Shows the recording (a blob URL, fetched with the API key) and follows its playback.
  attachAudio(url) {
    this.player.src = url;
    $("player-box").hidden = false;
    this.audio = true;
    document.body.classList.add("has-audio");
    this.player.addEventListener("timeupdate", () => this.followPlayback());
  }

  playFrom(seconds) {
    if (!this.audio || !hasTime(seconds)) return;
    this.player.currentTime = seconds;
    this.player.play().catch(() => { /* the browser may refuse to autoplay; the position is set */ });
  }

  togglePlay() {
    if (!this.audio) return;
    if (this.player.paused) this.player.play().catch(() => {}); else this.player.pause();
  }

  followPlayback() {
    const t = this.player.currentTime;
    for (const segment of this.segments) {
      const item = $(`segment-${segment.id}`);
      const playing = hasTime(segment.start) && t >= segment.start && t < segment.end;
      item.classList.toggle("playing", playing);
      if (playing) item.setAttribute("aria-current", "true"); else item.removeAttribute("aria-current");
    }
  }

  // Marks the characters [start, end) of each evidence span in its segment; plays from the earliest t0.
  highlight(evidence, { play = true } = {}) {
    const bySegment = new Map();
    for (const span of evidence) {
      if (!bySegment.has(span.segment)) bySegment.set(span.segment, []);
      bySegment.get(span.segment).push(span);
    }
    for (const segment of this.segments) {
      const item = $(`segment-${segment.id}`);
      const spans = (bySegment.get(segment.id) || []).slice().sort((a, b) => a.start - b.start);
      item.classList.toggle("evidence", spans.length > 0);
      const parts = [];
      let at = 0;
      for (const span of spans) {
        const start = Math.max(span.start, at);
        if (span.end <= start) continue;
        parts.push(segment.text.slice(at, start));
        parts.push(el("mark", { class: "evidence-span", text: segment.text.slice(start, span.end) }));
        at = span.end;
      }
      parts.push(segment.text.slice(at));
      item.querySelector(".text").replaceChildren(...parts.filter((part) => part !== ""));
    }
    const first = this.list.querySelector(".segment.evidence");
    if (first) first.scrollIntoView({ block: "nearest" });
    const times = evidence.map((span) => span.t0).filter(hasTime);
    if (play && times.length) this.playFrom(Math.min(...times));
  }
}
