// Play reports: "started" when audio first plays, "playing" every 15 s, then "ended" or "skipped".

import { api } from "./api.js";

const PROGRESS_EVERY_MS = 15_000;

export class PlayReporter {
  #play = null;
  #lastTime = 0;

  constructor(player) {
    this.player = player;
    const audio = player.audio;
    player.addEventListener("trackchange", (e) => {
      this.#finish(e.detail.auto ? "ended" : "skipped");
      this.#play = { track: e.detail.track, context: player.context, id: null };
    });
    player.addEventListener("queueend", () => this.#finish("ended"));
    audio.addEventListener("playing", () => this.#begin());
    audio.addEventListener("timeupdate", () => this.#tick());
    audio.addEventListener("seeking", () => (this.#lastTime = audio.currentTime));
    window.addEventListener("pagehide", () => this.#send("playing", { keepalive: true }));
  }

  #begin() {
    const play = this.#play;
    this.#lastTime = this.player.audio.currentTime;
    if (!play || play.id) return;
    play.id = crypto.randomUUID();
    play.startedAt = new Date().toISOString();
    play.ms = 0;
    play.lastSent = Date.now();
    this.#send("started");
  }

  /** Count only time actually heard: small forward steps of the clock, not seeks. */
  #tick() {
    const play = this.#play;
    const now = this.player.audio.currentTime;
    const step = now - this.#lastTime;
    this.#lastTime = now;
    if (!play?.id || play.done || this.player.audio.paused) return;
    if (step > 0 && step < 2) play.ms += Math.round(step * 1000);
    if (Date.now() - play.lastSent >= PROGRESS_EVERY_MS) this.#send("playing");
  }

  #finish(state) {
    if (!this.#play?.id || this.#play.done) return;
    this.#send(state);
    this.#play.done = true;
  }

  #send(state, { keepalive = false } = {}) {
    const play = this.#play;
    if (!play?.id || play.done) return;
    play.lastSent = Date.now();
    const report = {
      play_id: play.id,
      track_id: play.track.id,
      started_at: play.startedAt,
      ms_played: play.ms,
      state,
      context_type: play.context?.type ?? null,
      context_id: play.context?.id ?? null,
      device: "web",
      shuffle: false,
    };
    api.reportPlay(report, { keepalive }).catch(() => { /* reports are best effort */ });
  }
}
