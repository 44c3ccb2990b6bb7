// The player. Two <audio> elements take turns: while one plays, the other already holds the next
// track's signed URL and has buffered its first bytes, so "ended" hands over without a gap. The
// active element always carries id="audio". Signed URLs that expired while the page sat idle are
// renewed on error. Queue, shuffle, repeat, volume and position survive a reload (localStorage).
import { AdBreaks, adFailed, clearAdFailed } from "./ads.js";
import { endFade, maybeCrossfade, saveCrossfade, storedCrossfade } from "./crossfade.js";
import { api, ApiError } from "./api.js";
import { artistList, artistText, formatTime, h, isolate, named } from "./dom.js";
import { savedOrder, savedState, saveState } from "./playerstore.js";
import { shuffledAfter, withItemMoved, withoutItem } from "./queueops.js";
import { failed, isOfflineFailure } from "./offline.js";
import { PlayReports } from "./playreport.js";
import { premiumPrompt } from "./premium.js";
import { SleepTimer } from "./sleep.js";
import { toast } from "./toast.js";
import { gone, isUnavailable, skipUnavailable } from "./unavailable.js";

const REPEATS = ["off", "all", "one"];
// The next track's URL is asked for (and its audio buffered) only this close to the current one's end, as
// Spotify's client does: a free listener is charged what is sent, so a skip must not pay for a prefetch.
const PREFETCH_BEFORE_END_S = 20;
export class Player extends EventTarget {
  constructor(root) {
    super();
    this.root = root;
    this.active = root.querySelector("#audio");
    this.standby = root.querySelector("#audio-next");
    this.els = Object.fromEntries(["btn-play", "btn-prev", "btn-next", "btn-shuffle", "btn-repeat", "btn-mute", "seek",
      "time-cur", "time-dur", "volume", "np-title", "np-artists", "np-art", "player"].map((id) => [id, root.querySelector(`#${id}`)]));
    this.queue = [];
    this.index = -1;
    this.context = null;
    this.owner = undefined; // the account whose queue this is (restore), null once signed out: saved for it only
    this.original = null; // the queue order before shuffle
    this.shuffle = false;
    this.repeat = "off";
    this.normalise = true;
    this.muted = false;
    this.userVolume = 0.8;
    this.reports = new PlayReports(this);
    this.prepared = null; // {id, issued} loaded into the standby element, or {id, refused} when the server said no
    this.skipped = []; // tracks skipped in a row as unavailable (unavailable.js), for one notice and no endless loop
    this.ads = new AdBreaks(this, root);
    this.crossfadeS = storedCrossfade();
    this.fading = null; // {out, timer} while the previous track fades out under the new one
    this.sleepAfterTrack = false;
    this.sleep = new SleepTimer(this);
    const bar = root.querySelector(".volume");
    // A visible word before it: in the bar, a lone "Off" said nothing of what it turns off.
    if (bar) bar.prepend(h("label", { for: "sleep-timer", class: "sleep-label", text: "Sleep" }), this.sleep.control("sleep-timer"));
    this.bindControls();
    for (const el of [this.active, this.standby]) this.bindAudio(el);
    this.bindMediaSession();
    this.syncIdle();
    window.addEventListener("pagehide", () => this.save());
    setInterval(() => this.save(), 5000);
  }

  get current() { return this.queue[this.index] || null; }
  get audio() { return this.active; }

  bindControls() {
    const e = this.els;
    e["btn-play"].addEventListener("click", () => this.toggle());
    e["btn-prev"].addEventListener("click", () => this.previous());
    e["btn-next"].addEventListener("click", () => this.next("skipped"));
    e["btn-shuffle"].addEventListener("click", () => this.setShuffle(!this.shuffle));
    e["btn-repeat"].addEventListener("click", () => this.setRepeat(REPEATS[(REPEATS.indexOf(this.repeat) + 1) % 3]));
    e["btn-mute"].addEventListener("click", () => this.setMuted(!this.muted));
    e.seek.addEventListener("input", () => { this.seekTo(Number(e.seek.value)); this.sayPosition(); });
    // The slider follows the audio except while a pointer drags it. It used to stand still whenever it had focus,
    // so an arrow key stepped from where the listener had focused it, backwards, 0.1 s at a time (review27b F6).
    e.seek.addEventListener("pointerdown", () => { this.dragging = true; });
    for (const type of ["pointerup", "pointercancel"]) window.addEventListener(type, () => { this.dragging = false; });
    e.seek.addEventListener("keydown", (ev) => this.seekKey(ev));
    e.volume.addEventListener("input", () => this.setVolume(Number(e.volume.value)));
  }

  bindAudio(el) {
    // While an ad plays, the ad break owns the element's time, length, end and errors. Play and pause are the
    // button's either way: an ad after a track's natural end played under "Play", and pressing it paused the ad
    // (review27b F4); the button now says what the element does, and pauses or resumes the ad as it may.
    const active = (fn) => (ev) => { if (ev.target === this.active) fn(ev); };
    const mine = (fn) => active((ev) => { if (!this.ads.active) fn(ev); });
    el.addEventListener("timeupdate", mine(() => this.onTime()));
    el.addEventListener("durationchange", mine(() => this.onDuration()));
    el.addEventListener("play", active(() => this.onPlayState(true)));
    el.addEventListener("pause", active(() => this.onPlayState(false)));
    el.addEventListener("ended", mine(() => this.onEnded()));
    el.addEventListener("error", mine(() => this.recover()));
  }

  // ---- starting tracks -------------------------------------------------------------------------
  // During an ad every start waits for it, as ads.js's run() means: a press is kept as the choice for after the
  // break, said in a toast, and the start already waiting on the ad plays it when the break ends. Nothing is
  // rendered or swapped meanwhile: the bar, the queue and the sound stay on the waiting track (review28b F7, then
  // session 28's note: the Queue view's press had to be special-cased, since start() dropped it). The last press
  // wins, as outside an ad. A choice is {tracks, index, context, resumeAt, next, last}, a list that becomes the
  // queue, or {track, index, resumeAt}, an entry of the queue as it stands when the ad ends (edits made during the
  // ad stay).
  // Next and previous are the ad's to lock, as their buttons (ads.js), not a choice: see next().
  chooseAfterAd(choice, track) {
    this.afterAd = choice;
    toast(named(track.title), " plays after the ad");
  }

  async playChosen(choice) {
    const { tracks, index, context, resumeAt } = choice;
    if (tracks) { await this.playList(tracks, index, context, resumeAt, choice); return; }
    // The entry pressed, where it is now: moved in the Queue view meanwhile, found again; removed, the waiting
    // track plays.
    const at = this.queue[choice.index] === choice.track ? choice.index : this.queue.indexOf(choice.track);
    await this.start(at < 0 ? this.index : at, { resumeAt: choice.resumeAt });
  }

  // `queued`: what Play next and Add to queue put around a list pressed during an ad (playNext), placed once the list
  // is the queue and shuffled as shuffle means, as they would have been had the list played at once: shuffled in with
  // the list, the track meant to play next went anywhere in it (session 30's leftover).
  async playList(tracks, index, context, resumeAt = 0, queued = { next: [], last: [] }) {
    if (this.ads.active) {
      this.chooseAfterAd({ tracks: tracks.slice(), index, context, resumeAt, next: [], last: [] }, tracks[index]);
      return;
    }
    this.queue = tracks.slice();
    this.original = null;
    this.context = context || null;
    if (this.shuffle) this.shuffleUpcoming(index);
    const at = this.shuffle ? 0 : index;
    this.queue.splice(at + 1, 0, ...queued.next);
    this.queue.push(...queued.last);
    if (this.original) { this.original.splice(index + 1, 0, ...queued.next); this.original.push(...queued.last); }
    await this.start(at, { resumeAt });
  }

  // Only the latest start plays: each one takes a number, and one that a newer start overtook while it waited (for
  // its URL, for the ad, for the music after it) stops there and touches nothing. A press made while a start's URL
  // was still on its way, before any ad had begun, was not held as a choice: both starts met the ad and then raced,
  // the earlier one's music under the later one's title (fix29b's note).
  async start(index, { resumeAt = 0, autoplay = true } = {}) {
    if (index < 0 || index >= this.queue.length) return;
    if (this.ads.active) { this.chooseAfterAd({ track: this.queue[index], index, resumeAt }, this.queue[index]); return; }
    const run = this.starts = (this.starts || 0) + 1;
    const overtaken = () => run !== this.starts;
    this.endFade();
    const track = this.queue[index];
    const mine = this.prepared && this.prepared.id === track.id ? this.prepared : null;
    const ready = mine && mine.issued && new Date(mine.issued.expires_at) > new Date();
    // A track already known to be unavailable (the list said so, or the prefetch was refused) is not asked again.
    const known = isUnavailable(track) ? new ApiError(404, "unavailable", "not available") : mine && mine.refused;
    // Ask for the signed URL first: the play reports below must not queue ahead of it on the server.
    const issuing = ready ? null : known ? Promise.resolve(known) : this.warmed(track) || this.issue(track);
    this.reports.finish("skipped");
    this.index = index;
    this.startingAt = resumeAt; // until this track's audio is in the element (position, below)
    this.render(track);
    clearAdFailed(this.root); // a new start: a failed ad's notice is said again below if the ad fails again (review18b)
    if (ready) {
      this.swap();
    } else {
      const issued = await issuing.catch((err) => err);
      if (overtaken()) return;
      if (issued.code === "ad_break_due") {
        // A restored queue at page load waits for a click; a click hears the ad, then the music.
        if (!autoplay) { this.emit(); return; }
        // The server counts a break only once the ad's audio was sent; one it did not see whole
        // (ad_not_heard) is owed again, so the ad plays again rather than the music stopping on a second refusal.
        let next = issued;
        try {
          for (let runs = 0; next.code === "ad_break_due" && runs < 3; runs += 1) {
            const heard = this.ads.run();
            this.dispatchEvent(new Event("adbreak")); // under way: premium.js asks the tier while it lasts (watchTier)
            await heard;
            if (this.afterAd || overtaken()) break;
            next = await this.issue(track).catch((err) => err);
            if (overtaken()) return;
          }
        } catch { /* the ad could not be fetched: the music is still refused, said below */ }
        if (overtaken()) return;
        const chosen = this.afterAd;  // pressed during the ad: that track now, not this one
        if (chosen) { this.afterAd = null; await this.playChosen(chosen); return; }
        if (gone(next)) { await skipUnavailable(this, track, { autoplay }); return; }
        if (next instanceof Error) {
          // Paused on the track; say why when it is the ad, and let Retry (or Play) ask again.
          if (next.code === "ad_break_due") {
            // The title shown is the refused track's: the one before it stops, and Play asks again.
            this.silence();
            adFailed(this.root, () => this.start(this.index));
          }
          this.emit();
          return;
        }
        clearAdFailed(this.root);
        this.active.src = next.url;
      } else if (issued instanceof Error) {
        if (gone(issued)) { await skipUnavailable(this, track, { autoplay }); return; } // withdrawn: said, skipped
        // A locked pre-release: say why, offer the upgrade. Anything else (offline, the server down) is said too:
        // the player waits on this track, and Play asks again. The track before it stops: the title in the bar
        // and the sound agree (review26b F1: Next onto a pre-release left the last track playing, unreported).
        if (String(issued.code).startsWith("premium_required")) { if (autoplay) premiumPrompt(this.root, issued.code); }
        else if (autoplay) toast(named(track.title), isOfflineFailure(issued) ? ` couldn't start. ${failed(issued, "Playing")}` : ` couldn't start: ${issued.message}`);
        this.stopOn(track);
        return;
      } else {
        this.active.src = issued.url;
      }
      this.gainDb = track.gain_db;
    }
    this.prepared = null;
    this.skipped = [];
    this.startingAt = null;
    this.applyVolume();
    if (resumeAt) this.active.currentTime = resumeAt;
    this.emit();
    if (autoplay) {
      await this.active.play().catch(() => {});
      if (overtaken()) return;
      this.reports.begin(track);
    }
    this.prefetchDue = true; // onTime() calls prepareNext() near the end
  }

  // Where the current track stands, as a reload keeps it (playerstore.js). While its start waits (for its URL, for an
  // ad) the element holds something else: the ad, whose time a reload saved as the track's, so the track began that far
  // in after the ad (review29d L4); it stands where its start means to begin it.
  get position() {
    if (!this.current) return 0;
    if (this.startingAt != null) return this.startingAt;
    return this.active.currentTime || this.resumeAt || 0;
  }

  issue(track) {
    return api(`/api/tracks/${encodeURIComponent(track.id)}/stream`, { method: "POST", body: {} });
  }

  // Pressing a track (pointerdown) asks for its signed URL at once: the click arrives 50-100 ms later,
  // by when the answer is usually here. A press that does not become a click costs one URL.
  warm(track) {
    if (this.ads.active || isUnavailable(track) || (this.prepared && this.prepared.id === track.id)) return;
    const promise = this.issue(track);
    promise.catch(() => {});
    this.warming = { id: track.id, at: Date.now(), promise };
  }

  warmed(track) {
    const w = this.warming;
    this.warming = null;
    return w && w.id === track.id && Date.now() - w.at < 10000 ? w.promise : null;
  }

  // Ask for the next track's signed URL and let the standby element buffer its first bytes.
  async prepareNext() {
    const upcoming = this.upcoming();
    this.prepared = null;
    if (!upcoming || upcoming === this.current && this.repeat === "one") return;
    try {
      const issued = await this.issue(upcoming);
      if (this.upcoming() !== upcoming) return;
      this.standby.preload = "auto";
      this.standby.src = issued.url;
      this.standby.load();
      this.prepared = { id: upcoming.id, issued };
    } catch (err) {
      // Refused for good (a withdrawn track): start() skips it without asking twice. Otherwise start() asks again.
      if (gone(err) && this.upcoming() === upcoming) this.prepared = { id: upcoming.id, refused: err };
    }
  }

  upcoming() {
    if (this.index + 1 < this.queue.length) return this.queue[this.index + 1];
    return this.repeat === "all" ? this.queue[0] || null : null;
  }

  swap() {
    const old = this.active;
    old.pause();
    [this.active, this.standby] = [this.standby, old];
    old.id = "audio-next";
    this.active.id = "audio";
    old.removeAttribute("src");
    old.load();
    this.gainDb = this.current.gain_db;
    this.onDuration();
  }

  onEnded() {
    if (this.sleepAfterTrack) { this.reports.finish("ended"); this.sleep.fire(); return; }
    if (this.repeat === "one") {
      this.reports.finish("ended");
      this.active.currentTime = 0;
      this.reports.begin(this.current);
      this.active.play().catch(() => {});
      return;
    }
    this.next("ended");
  }

  // During an ad, Next and Previous do nothing, by any path (the bar's buttons are locked, Shift+arrows, media keys:
  // the lock screen is offered no skip then, mediaSkips()). They do not skip the ad, which the server would refuse,
  // and they do not move the track waiting on it either: a Next pressed to skip an ad would otherwise lose a song
  // never heard. A track pressed by name is a choice, and plays after the ad (chooseAfterAd).
  async next(reason = "skipped") {
    if (this.ads.active) return;
    let target = this.index + 1;
    if (target >= this.queue.length) {
      if (this.repeat !== "all" || !this.queue.length) { this.reports.finish(reason); this.active.pause(); return; }
      target = 0;
    }
    this.reports.finish(reason);
    await this.start(target);
  }

  async previous() {
    if (this.ads.active) return;
    if (this.active.currentTime > 3 || this.index <= 0) { this.seekTo(0); return; }
    await this.start(this.index - 1);
  }

  toggle() {
    if (!this.current) return;
    if (this.ads.active) { if (this.active.paused) this.active.play().catch(() => {}); else this.active.pause(); return; }
    if (!this.active.getAttribute("src")) { this.start(this.index, { resumeAt: this.resumeAt || 0 }); return; }
    if (this.active.paused) {
      if (!this.reports.open) this.reports.begin(this.current);
      this.active.play().catch(() => {});
    } else { this.endFade(); this.active.pause(); }
  }

  // The music stops on a track that cannot play (unavailable.js): its title stays in the bar, no audio behind it.
  stopOn(track) {
    this.endFade();
    this.reports.finish("skipped");
    this.render(track);
    this.silence();
    this.emit();
  }

  // Nothing behind the current track: its element emptied, and the bar told so here, since load() drops the
  // pause and durationchange events pause() queued (review27b F2: Next onto a pre-release left the bar on Pause
  // with the last track's length). The bar shows Play and the refused track's own length from 0:00.
  silence() {
    this.active.pause();
    this.active.removeAttribute("src");
    this.active.load();
    this.onPlayState(false);
    this.els.seek.value = "0";
    this.els["time-cur"].textContent = formatTime(0);
    this.sayPosition();
    this.onDuration(); // no media now: the current track's length from the catalog
  }

  // Keys on the seek slider move from where the audio is: 5 s an arrow (as the page's own arrow keys), 30 s a page
  // key, Home and End to either end; not the range input's own step from its shown value.
  seekKey(ev) {
    const a = this.active;
    const steps = { ArrowRight: 5, ArrowUp: 5, ArrowLeft: -5, ArrowDown: -5, PageUp: 30, PageDown: -30 };
    const end = Number.isFinite(a.duration) ? a.duration : Infinity;
    let to;
    if (ev.key in steps) to = a.currentTime + steps[ev.key];
    else if (ev.key === "Home") to = 0;
    else if (ev.key === "End" && end < Infinity) to = end;
    else return;
    ev.preventDefault();
    this.seekTo(Math.min(to, end));
    this.els.seek.value = String(a.currentTime);
    this.els["time-cur"].textContent = formatTime(a.currentTime);
    this.sayPosition();
  }

  // The bar during an ad break: the ad's own time and length (ads.js), since the music's time updates are the ad's
  // to ignore while it plays (bindAudio).
  adTime(seconds, total) {
    const { seek } = this.els;
    seek.max = String(total);
    seek.value = String(Math.min(seconds, total));
    this.els["time-cur"].textContent = formatTime(seconds);
    this.els["time-dur"].textContent = formatTime(total);
    this.sayPosition();
  }

  // What a screen reader says of the sliders: "1:23 of 3:45" and "80 %", not the raw 83.2 or 0.8 (review28b F4).
  sayPosition() {
    const { seek } = this.els;
    const said = `${formatTime(Number(seek.value))} of ${formatTime(Number(seek.max))}`;
    if (seek.getAttribute("aria-valuetext") !== said) seek.setAttribute("aria-valuetext", said);
  }

  seekTo(seconds) { if (this.current && !this.ads.active) this.active.currentTime = Math.max(0, seconds); }

  // A signed URL that expired while the page sat idle: a fresh one, at the same position.
  async recover() {
    const track = this.current;
    if (!track || this.recovering || !this.active.getAttribute("src")) return;
    this.recovering = true;
    const at = this.active.currentTime || this.resumeAt || 0;
    const wasPlaying = this.reports.open;
    try {
      this.active.src = (await this.issue(track)).url;
      this.active.currentTime = at;
      if (wasPlaying) await this.active.play().catch(() => {});
    } catch { /* leave it paused; the next click tries again */ } finally {
      this.recovering = false;
    }
  }

  // ---- queue ------------------------------------------------------------------------------------
  // A list pressed during an ad is the queue to be (chooseAfterAd): what is queued meanwhile goes with it (its `next` and
  // `last`, placed by playList after any shuffle), not into the queue that list replaces when the ad ends.
  // A queue entry pressed during an ad (chooseAfterAd) is what plays next: Play next goes after it, where it is now,
  // not after the track waiting on the ad (review29d M1); above that track, the track keeps its place.
  // With shuffle on, every edit is made to the order before shuffle too (`original`), or turning shuffle off dropped it
  // (L7, session 31): Play next goes right after the same track there, Add to queue at its end, a removed entry leaves
  // it, and a moved entry follows there the entry it now follows in the queue (moved to the top, precedes the one it
  // now precedes).
  playNext(track) {
    const choice = this.afterAd;
    if (choice && choice.tracks) { choice.next.unshift(track); this.changed(); return; } // the latest first, as below
    const chosen = choice && choice.track ? this.queue.indexOf(choice.track) : -1;
    const after = chosen < 0 ? this.index : chosen;
    this.queue.splice(after + 1, 0, track);
    if (after < this.index) this.index += 1;
    this.placeInOriginal(after + 1);
    this.changed();
  }
  addToQueue(track) {
    const choice = this.afterAd && this.afterAd.last;
    (choice || this.queue).push(track);
    if (!choice && this.original) this.original.push(track);
    this.changed();
  }
  clearQueue() {
    this.queue = this.current ? [this.current] : [];
    this.index = this.current ? 0 : -1;
    this.original = null; // nothing left to unshuffle: shuffle off keeps the current track alone
    this.changed();
  }

  removeAt(i) {
    const entry = this.queue[i];
    if (!this.edit(withoutItem(this.queue, this.index, i))) return;
    this.dropFromOriginal(entry);
    this.changed();
  }
  move(from, to) {
    const entry = this.queue[from];
    if (!this.edit(withItemMoved(this.queue, this.index, from, to))) return;
    if (this.dropFromOriginal(entry)) this.placeInOriginal(to);
    this.changed();
  }
  edit(result) {
    if (!result) return false;
    this.queue = result.queue;
    this.index = result.index;
    return true;
  }

  dropFromOriginal(entry) {
    const at = this.original ? this.original.indexOf(entry) : -1;
    if (at >= 0) this.original.splice(at, 1);
    return at >= 0;
  }

  // The queue's entry at `at`, into the order before shuffle: after the entry it follows in the queue, or before the
  // one it precedes (at the top), or at the end when neither is there.
  placeInOriginal(at) {
    const o = this.original;
    if (!o) return;
    const before = at > 0 ? o.indexOf(this.queue[at - 1]) : -1;
    const after = before < 0 && at + 1 < this.queue.length ? o.indexOf(this.queue[at + 1]) : -1;
    o.splice(before >= 0 ? before + 1 : after >= 0 ? after : o.length, 0, this.queue[at]);
  }

  shuffleUpcoming(keep) {
    this.original = this.queue.slice();
    this.queue = shuffledAfter(this.queue, keep);
    this.index = 0;
  }

  setShuffle(on) {
    this.shuffle = on;
    if (on && this.current) this.shuffleUpcoming(this.index);
    else if (!on && this.original) {
      const cur = this.current;
      this.queue = this.unshuffled();
      this.original = null;
      this.index = Math.max(0, this.queue.indexOf(cur));
    }
    this.changed();
  }

  // The order before shuffle, as the edits above kept it, and true to the queue whatever else changed it: an entry no
  // longer queued leaves it, and one queued meanwhile that it does not hold (radio's autoplay tracks) stays, at its end.
  unshuffled() {
    const order = this.original.slice();
    const unmatched = order.slice();
    const extra = [];
    for (const entry of this.queue) {
      const at = unmatched.indexOf(entry);
      if (at >= 0) unmatched.splice(at, 1); else extra.push(entry);
    }
    for (const entry of unmatched) order.splice(order.indexOf(entry), 1);
    return order.concat(extra);
  }

  setRepeat(mode) { this.repeat = REPEATS.includes(mode) ? mode : "off"; this.changed(); }

  changed() {
    this.prepared = null;
    this.prefetchDue = true; // the upcoming track may have changed: fetched again near the end
    if (!this.ads.active) this.maybePrefetch();
    this.emit();
    this.save();
  }

  // Nothing queued: the bar says so whole, and play, previous and next are disabled rather than pretending (a
  // click did nothing); the line under the title says what to do instead. A track's render() fills it again.
  syncIdle() {
    const e = this.els;
    const idle = !this.current;
    for (const id of ["btn-play", "btn-prev", "btn-next"]) {
      if (idle) {
        Object.assign(e[id], { disabled: true, title: "Nothing queued: choose a song to play" });
        e[id].dataset.idle = "1";
      } else if (e[id].dataset.idle) { // only what this disabled: an ad break locks next and previous its own way
        delete e[id].dataset.idle;
        e[id].disabled = false;
        e[id].removeAttribute("title");
      }
    }
    if (idle) {
      e["np-title"].textContent = "Nothing playing";
      e["np-artists"].textContent = "Choose a song to play";
    }
  }

  emit() {
    const e = this.els;
    this.syncIdle();
    e["btn-shuffle"].setAttribute("aria-pressed", String(this.shuffle));
    e["btn-repeat"].setAttribute("aria-pressed", String(this.repeat !== "off"));
    e["btn-repeat"].dataset.mode = this.repeat;
    e["btn-repeat"].setAttribute("aria-label", `Repeat: ${this.repeat}`);
    this.dispatchEvent(new Event("change"));
  }

  // ---- volume and loudness ----------------------------------------------------------------------
  setVolume(v) { this.userVolume = Math.max(0, Math.min(1, v)); this.muted = false; this.applyVolume(); }
  setMuted(m) { this.muted = m; this.applyVolume(); }
  setNormalise(on) { this.normalise = on; this.applyVolume(); this.save(); }

  // Loudness normalisation: the stored gain (dB) scales the element's volume. Positive gains are
  // capped at full volume; HTMLMediaElement cannot amplify without Web Audio.
  targetVolume() {
    const gain = this.normalise ? Math.pow(10, (this.gainDb || 0) / 20) : 1;
    return Math.max(0, Math.min(1, this.userVolume * gain));
  }

  applyVolume() {
    if (!this.fading) this.active.volume = this.targetVolume();
    this.active.muted = this.muted;
    const e = this.els;
    e.volume.value = String(this.userVolume);
    e.volume.setAttribute("aria-valuetext", `${Math.round(this.userVolume * 100)} %`);
    e["btn-mute"].setAttribute("aria-pressed", String(this.muted));
    e["btn-mute"].setAttribute("aria-label", this.muted ? "Unmute" : "Mute");
  }

  // ---- rendering --------------------------------------------------------------------------------
  render(track) {
    const e = this.els;
    e["np-title"].replaceChildren(h("bdi", { text: track.title }));
    e["np-artists"].replaceChildren(...artistList(track.artists));
    const src = track.images && (track.images["300"] || track.images["64"]);
    if (src) e["np-art"].src = src; else e["np-art"].removeAttribute("src");
    e["np-art"].alt = track.album ? `Cover of ${track.album.title}` : "";
    e.player.classList.add("has-track");
    this.syncIdle();
    document.title = `${isolate(track.title)} · ${artistText(track.artists)} · Encore`;
    this.mediaMeta(track);
  }

  mediaMeta(track) {
    if (!("mediaSession" in navigator)) return;
    const artwork = Object.entries(track.images || {}).map(([size, url]) => ({ src: url, sizes: `${size}x${size}`, type: "image/jpeg" }));
    navigator.mediaSession.metadata = new MediaMetadata({
      title: track.title, artist: artistText(track.artists), album: track.album ? track.album.title : "", artwork });
  }

  onDuration() {
    const d = this.active.duration || (this.current ? this.current.duration_ms / 1000 : 0);
    this.els.seek.max = String(Number.isFinite(d) ? d : 0);
    this.els["time-dur"].textContent = formatTime(d);
    this.sayPosition();
  }

  onTime() {
    const { active, els } = this;
    if (!this.dragging) els.seek.value = String(active.currentTime);
    els["time-cur"].textContent = formatTime(active.currentTime);
    this.sayPosition();
    this.reports.tick();
    this.maybePrefetch();
    this.maybeCrossfade();
    this.mediaPosition(active);
  }

  // The lock screen's progress bar: the element's own time and length (the track's, or the ad's while one plays:
  // ads.js). Without an element it is cleared, as between the ad and the music, so it never draws one under the
  // other's name (review29d L2: the ad showed the previous track's bar).
  mediaPosition(el) {
    if (!("mediaSession" in navigator)) return;
    try {
      if (!el) navigator.mediaSession.setPositionState();
      else if (Number.isFinite(el.duration) && el.duration > 0) {
        navigator.mediaSession.setPositionState({ duration: el.duration, position: Math.min(el.currentTime, el.duration), playbackRate: el.playbackRate || 1 });
      }
    } catch { /* older engines */ }
  }

  maybePrefetch() {
    const a = this.active;
    // Never during a crossfade: the standby element is the track fading out (crossfade.js), and loading
    // the next URL into it would cut that track off and then lose the URL when the fade ends.
    if (this.prefetchDue && !this.fading && Number.isFinite(a.duration) && a.duration - a.currentTime <= PREFETCH_BEFORE_END_S) {
      this.prefetchDue = false;
      this.prepareNext();
    }
  }

  // ---- crossfade (crossfade.js) and sleep (sleep.js) --------------------------------------------
  setCrossfade(seconds) { this.crossfadeS = saveCrossfade(seconds); }
  maybeCrossfade() { maybeCrossfade(this); }
  endFade() { endFade(this); }

  sleepNow() {
    this.endFade();
    this.active.pause();
    this.reports.finish("ended");
    this.sleepAfterTrack = false;
  }

  onPlayState(playing) {
    const b = this.els["btn-play"];
    b.classList.toggle("playing", playing);
    b.setAttribute("aria-label", playing ? "Pause" : "Play");
    this.els.player.classList.toggle("is-playing", playing);
    if ("mediaSession" in navigator) navigator.mediaSession.playbackState = playing ? "playing" : "paused";
    this.dispatchEvent(new Event("change"));
  }

  bindMediaSession() {
    if (!("mediaSession" in navigator)) return;
    const ms = navigator.mediaSession;
    const set = (action, fn) => { try { ms.setActionHandler(action, fn); } catch { /* unsupported action */ } };
    set("play", () => this.toggle());
    set("pause", () => this.active.pause());
    this.mediaSkips(true);
  }

  // Skip and seek on the lock screen and the media keys, offered only when the bar offers them: an ad break takes
  // them away as it locks the bar's buttons (ads.js), and gives them back after it. While the ad plays, the lock
  // screen names the ad, not the track waiting on it (mediaAd).
  mediaSkips(on) {
    if (!("mediaSession" in navigator)) return;
    const actions = {
      previoustrack: () => this.previous(),
      nexttrack: () => this.next("skipped"),
      seekto: (d) => this.seekTo(d.seekTime),
      seekbackward: (d) => this.seekTo(this.active.currentTime - (d.seekOffset || 10)),
      seekforward: (d) => this.seekTo(this.active.currentTime + (d.seekOffset || 10)),
    };
    for (const [action, fn] of Object.entries(actions)) {
      try { navigator.mediaSession.setActionHandler(action, on ? fn : null); } catch { /* unsupported action */ }
    }
  }

  mediaAd(ad) {
    if (!("mediaSession" in navigator)) return;
    this.mediaPosition(null); // the ad's own bar comes with its time (ads.js's tick); the music's with its own
    if (ad) navigator.mediaSession.metadata = new MediaMetadata({ title: "Ad", artist: ad.advertiser });
    else if (this.current) this.mediaMeta(this.current);
  }

  // The account signed out, here, in another tab or everywhere: the sound stops, a break under way ends unreported for
  // the account that owes it (ads.end), and that account's queue, track and position leave the tab and this browser's
  // storage (review30b M1: the next account to sign in here got them, "Continue listening" and all). A start still
  // waiting on its URL is overtaken. The device's own settings (volume, shuffle, repeat, loudness) stay.
  signedOut() {
    this.ads.end();
    this.starts = (this.starts || 0) + 1;
    this.endFade();
    this.reports.abandon();
    this.sleep.set("off");
    Object.assign(this, { owner: null, queue: [], index: -1, context: null, original: null, afterAd: null,
      resumeAt: 0, startingAt: null, prepared: null, warming: null, skipped: [] });
    for (const el of [this.active, this.standby]) { el.pause(); el.removeAttribute("src"); el.load(); }
    const e = this.els;
    e.player.classList.remove("has-track");
    e["np-art"].removeAttribute("src");
    e["np-art"].alt = "";
    e.seek.value = "0";
    e.seek.max = "0";
    e["time-cur"].textContent = formatTime(0);
    e["time-dur"].textContent = formatTime(0);
    this.sayPosition();
    this.onPlayState(false);
    document.title = "Encore";
    if ("mediaSession" in navigator) navigator.mediaSession.metadata = null;
    this.mediaPosition(null);
    this.emit();
    this.save();
  }

  // ---- persistence (resume after reload) --------------------------------------------------------
  save() { saveState(this); }

  // The saved queue comes back only to the account that left it (`owner`, its public id): one saved before owners
  // were kept, or by another account, is not this one's to resume.
  async restore(owner) {
    // Signed in as another account over a live one (the log-in form of a tab that was signed in): the last one's
    // queue, sound and open play go first, as at a log-out, or they played on and were saved as this one's (review30c M1).
    if (this.owner && this.owner !== owner) this.signedOut();
    this.owner = owner;
    const s = savedState();
    if (!s) return;
    this.userVolume = typeof s.volume === "number" ? s.volume : 0.8;
    this.muted = !!s.muted;
    this.normalise = s.normalise !== false;
    this.shuffle = !!s.shuffle;
    this.repeat = REPEATS.includes(s.repeat) ? s.repeat : "off";
    this.applyVolume();
    this.emit();
    if (!owner || s.owner !== owner || !Array.isArray(s.queue) || !s.queue[s.index]) return;
    this.queue = s.queue;
    this.original = this.shuffle ? savedOrder(s, this.queue) : null;
    this.context = s.context || null;
    this.resumeAt = Number(s.position) || 0;
    await this.start(s.index, { resumeAt: this.resumeAt, autoplay: false }).catch(() => {});
  }
}
