// The player: one <audio> element that survives navigation, a queue, signed stream URLs
// (renewed when they expire), loudness normalisation from the track's gain, and play reports.
import { api } from "./api.js";
import { artistNames, formatTime } from "./dom.js";

const REPORT_EVERY_MS = 15000;

export class Player {
  constructor(root) {
    this.audio = root.querySelector("#audio");
    this.els = {
      play: root.querySelector("#btn-play"),
      prev: root.querySelector("#btn-prev"),
      next: root.querySelector("#btn-next"),
      seek: root.querySelector("#seek"),
      cur: root.querySelector("#time-cur"),
      dur: root.querySelector("#time-dur"),
      volume: root.querySelector("#volume"),
      title: root.querySelector("#np-title"),
      artists: root.querySelector("#np-artists"),
      art: root.querySelector("#np-art"),
    };
    this.queue = [];
    this.index = -1;
    this.context = null;
    this.play = null; // the current play report
    this.nextUrl = null; // prefetched signed URL for the next track
    this.userVolume = Number(this.els.volume.value);
    this.bind();
  }

  bind() {
    const { audio, els } = this;
    els.play.addEventListener("click", () => this.toggle());
    els.prev.addEventListener("click", () => this.previous());
    els.next.addEventListener("click", () => this.next("skipped"));
    els.seek.addEventListener("input", () => { audio.currentTime = Number(els.seek.value); });
    els.volume.addEventListener("input", () => { this.userVolume = Number(els.volume.value); this.applyVolume(); });
    audio.addEventListener("timeupdate", () => this.onTime());
    audio.addEventListener("durationchange", () => {
      els.seek.max = String(audio.duration || 0);
      els.dur.textContent = formatTime(audio.duration);
    });
    audio.addEventListener("play", () => this.onPlayState(true));
    audio.addEventListener("pause", () => this.onPlayState(false));
    audio.addEventListener("ended", () => this.next("ended"));
    audio.addEventListener("error", () => this.recover());
  }

  get current() { return this.queue[this.index] || null; }

  async playList(tracks, index, context) {
    this.queue = tracks.slice();
    this.context = context || null;
    await this.start(index);
  }

  async start(index, { resumeAt = 0, url = null } = {}) {
    if (index < 0 || index >= this.queue.length) return;
    this.finishReport("skipped");
    this.index = index;
    const track = this.current;
    this.render(track);
    const issued = url || (await this.issue(track));
    this.gainDb = issued.gain_db;
    this.applyVolume();
    this.audio.src = issued.url;
    if (resumeAt) this.audio.currentTime = resumeAt;
    this.beginReport(track);
    await this.audio.play().catch(() => {});
    this.prefetchNext();
  }

  issue(track) {
    return api(`/api/tracks/${encodeURIComponent(track.id)}/stream`, { method: "POST", body: {} });
  }

  async prefetchNext() {
    const upcoming = this.queue[this.index + 1];
    this.nextUrl = null;
    if (!upcoming) return;
    try {
      const issued = await this.issue(upcoming);
      this.nextUrl = { id: upcoming.id, issued };
      // Warm the first bytes so the next track starts without a gap.
      fetch(issued.url, { headers: { Range: "bytes=0-65535" } }).catch(() => {});
    } catch { /* the next start asks again */ }
  }

  async next(reason = "skipped") {
    if (this.index + 1 >= this.queue.length) {
      this.finishReport(reason);
      return;
    }
    const upcoming = this.queue[this.index + 1];
    const ready = this.nextUrl && this.nextUrl.id === upcoming.id && new Date(this.nextUrl.issued.expires_at) > new Date();
    this.finishReport(reason);
    await this.start(this.index + 1, { url: ready ? this.nextUrl.issued : null });
  }

  async previous() {
    if (this.audio.currentTime > 3 || this.index <= 0) {
      this.audio.currentTime = 0;
      return;
    }
    await this.start(this.index - 1);
  }

  toggle() {
    if (!this.current) return;
    if (this.audio.paused) this.audio.play().catch(() => {});
    else this.audio.pause();
  }

  // A signed URL that expired while the page sat idle: get a fresh one and carry on where we were.
  async recover() {
    const track = this.current;
    if (!track || this.recovering) return;
    this.recovering = true;
    const at = this.audio.currentTime || 0;
    try {
      const issued = await this.issue(track);
      this.audio.src = issued.url;
      this.audio.currentTime = at;
      await this.audio.play().catch(() => {});
    } finally {
      this.recovering = false;
    }
  }

  applyVolume() {
    const gain = Math.pow(10, (this.gainDb || 0) / 20);
    this.audio.volume = Math.max(0, Math.min(1, this.userVolume * gain));
  }

  render(track) {
    const { els } = this;
    els.title.textContent = track.title;
    els.artists.textContent = artistNames(track.artists);
    const src = track.images && track.images["64"];
    if (src) els.art.src = src; else els.art.removeAttribute("src");
    els.art.alt = track.album ? `Cover of ${track.album.title}` : "";
    document.title = `${track.title} · ${artistNames(track.artists)} · Encore`;
  }

  onTime() {
    const { audio, els } = this;
    if (document.activeElement !== els.seek) els.seek.value = String(audio.currentTime);
    els.cur.textContent = formatTime(audio.currentTime);
    if (this.play && Date.now() - this.play.lastSent > REPORT_EVERY_MS) this.sendReport("playing");
  }

  onPlayState(playing) {
    this.els.play.classList.toggle("playing", playing);
    this.els.play.setAttribute("aria-label", playing ? "Pause" : "Play");
  }

  beginReport(track) {
    this.play = {
      play_id: crypto.randomUUID(),
      track_id: track.id,
      started_at: new Date().toISOString(),
      lastSent: 0,
      context: this.context,
    };
    this.sendReport("started");
  }

  finishReport(state) {
    if (!this.play) return;
    this.sendReport(state);
    this.play = null;
  }

  sendReport(state) {
    const p = this.play;
    if (!p) return;
    p.lastSent = Date.now();
    const body = {
      play_id: p.play_id,
      track_id: p.track_id,
      started_at: p.started_at,
      ms_played: Math.round((this.audio.currentTime || 0) * 1000),
      state,
      context_type: p.context ? p.context.type : null,
      context_id: p.context ? p.context.id : null,
      device: "web",
    };
    api("/api/plays", { method: "POST", body }).catch(() => {});
  }
}
