// Play reports: what the player tells the server about each play, for history and Wrapped (never money: label
// streams count only the audio the server itself sent). One report at a time, so a "started" and a quick
// "skipped" of the same play cannot race; a playing track reports its progress every 15 s.
import { api } from "./api.js";

const REPORT_EVERY_MS = 15000;

export class PlayReports {
  constructor(player) {
    this.player = player;
    this.play = null; // the open play: {play_id, track_id, started_at, lastSent, context}
    this.pending = Promise.resolve();
  }

  get open() { return this.play !== null; }

  begin(track) {
    this.play = { play_id: crypto.randomUUID(), track_id: track.id, started_at: new Date().toISOString(), lastSent: 0,
      context: this.player.context };
    this.send("started");
  }

  finish(state) {
    if (!this.play) return;
    this.send(state);
    this.play = null;
  }

  // The account signed out: its open play is left as last reported. Sent now, it would go out under whatever session
  // this browser holds next (another account signed in in another tab), or be refused.
  abandon() { this.play = null; }

  tick() {
    if (this.play && Date.now() - this.play.lastSent > REPORT_EVERY_MS) this.send("playing");
  }

  send(state) {
    const p = this.play;
    if (!p) return;
    p.lastSent = Date.now();
    const player = this.player;
    const body = {
      play_id: p.play_id, track_id: p.track_id, started_at: p.started_at,
      ms_played: Math.round((player.active.currentTime || 0) * 1000), state,
      context_type: p.context ? p.context.type : null, context_id: p.context ? p.context.id : null,
      device: "web", shuffle: player.shuffle };
    this.pending = this.pending.then(() => api("/api/plays", { method: "POST", body }).catch(() => {}));
  }
}
