// The audio engine: a queue, signed stream URLs (renewed when they expire), loudness, Media Session.
// It knows nothing about the page; the player bar and the track lists listen to its events.

import { api } from "./api.js";

const MAX_RENEWALS = 3;
const RESTART_AFTER_S = 3;

export class Player extends EventTarget {
  #queue = [];
  #index = -1;
  #context = null;
  #stream = null;
  #load = 0;
  #renewals = 0;
  #volume = 1;

  constructor(audio) {
    super();
    this.audio = audio;
    this.#volume = Number(localStorage.getItem("encore.volume") ?? 1);
    this.muted = localStorage.getItem("encore.muted") === "1";
    audio.addEventListener("ended", () => this.next({ auto: true }));
    audio.addEventListener("error", () => this.#recover());
    audio.addEventListener("playing", () => (this.#renewals = 0));
    this.#applyVolume();
    this.#mediaSession();
  }

  get track() { return this.#queue[this.#index] ?? null; }
  get context() { return this.#context; }
  get hasPrev() { return this.#index > 0; }
  get hasNext() { return this.#index >= 0 && this.#index < this.#queue.length - 1; }
  get volume() { return this.#volume; }

  /** Play tracks[index] with the list as the queue; context is {type, id} for play reports. */
  playList(tracks, index, context) {
    this.#queue = tracks.slice();
    this.#context = context;
    return this.#playAt(index);
  }

  toggle() {
    if (!this.track) return;
    if (this.audio.paused) this.audio.play().catch(() => this.#recover());
    else this.audio.pause();
  }

  next({ auto = false } = {}) {
    if (this.hasNext) return this.#playAt(this.#index + 1, { auto });
    if (auto) this.dispatchEvent(new Event("queueend"));
  }

  prev() {
    if (this.audio.currentTime > RESTART_AFTER_S || !this.hasPrev) this.seek(0);
    else this.#playAt(this.#index - 1);
  }

  seek(seconds) {
    if (this.track) this.audio.currentTime = Math.max(0, seconds);
  }

  setVolume(value) {
    this.#volume = Math.min(1, Math.max(0, value));
    this.muted = this.#volume === 0;
    localStorage.setItem("encore.volume", String(this.#volume));
    localStorage.setItem("encore.muted", this.muted ? "1" : "0");
    this.#applyVolume();
  }

  toggleMute() {
    this.muted = !this.muted;
    if (!this.muted && this.#volume === 0) this.#volume = 0.5;
    localStorage.setItem("encore.muted", this.muted ? "1" : "0");
    this.#applyVolume();
  }

  #playAt(index, { auto = false } = {}) {
    const previous = this.track;
    this.#index = index;
    this.dispatchEvent(new CustomEvent("trackchange", { detail: { track: this.track, previous, auto } }));
    this.#updateMediaSession();
    return this.#start(this.track, 0, true);
  }

  async #start(track, position, autoplay) {
    const load = ++this.#load;
    let stream;
    try {
      stream = await api.streamUrl(track.id);
    } catch (err) {
      if (load === this.#load) this.dispatchEvent(new CustomEvent("failure", { detail: err }));
      return;
    }
    if (load !== this.#load) return;
    this.#stream = stream;
    this.#applyVolume();
    this.audio.src = stream.url;
    if (position > 0) this.audio.currentTime = position;
    if (autoplay) await this.audio.play().catch(() => {});
  }

  /** A media error usually means the signed URL expired: fetch a fresh one and resume where we were. */
  #recover() {
    const track = this.track;
    if (!track || !this.audio.src || this.#renewals >= MAX_RENEWALS) {
      if (track) this.dispatchEvent(new CustomEvent("failure", { detail: this.audio.error }));
      return;
    }
    this.#renewals += 1;
    this.#start(track, this.audio.currentTime, true);
  }

  /** Loudness normalisation by volume scaling: quiet masters are not boosted past full volume. */
  #applyVolume() {
    const gain = 10 ** ((this.#stream?.gain_db ?? 0) / 20);
    this.audio.volume = this.muted ? 0 : Math.min(1, this.#volume * gain);
    this.dispatchEvent(new Event("volumechange"));
  }

  #mediaSession() {
    if (!("mediaSession" in navigator)) return;
    const handlers = {
      play: () => this.toggle(),
      pause: () => this.toggle(),
      previoustrack: () => this.prev(),
      nexttrack: () => this.next(),
      seekto: (d) => this.seek(d.seekTime),
    };
    for (const [action, fn] of Object.entries(handlers)) {
      try { navigator.mediaSession.setActionHandler(action, fn); } catch { /* unsupported action */ }
    }
  }

  #updateMediaSession() {
    const t = this.track;
    if (!t || !("mediaSession" in navigator) || !window.MediaMetadata) return;
    navigator.mediaSession.metadata = new MediaMetadata({
      title: t.title,
      artist: t.artists.map((a) => a.name).join(", "),
      album: t.album?.title ?? "",
      artwork: Object.entries(t.images ?? {}).map(([size, src]) => ({ src, sizes: `${size}x${size}`, type: "image/jpeg" })),
    });
  }
}
