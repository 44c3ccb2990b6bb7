// Sleep timer (issue #19): pause after 5-60 minutes, or when the current track ends. The timer is this tab's
// own (a setTimeout; nothing on the server), shown in the player bar and in Settings; any choice replaces it.
import { h } from "./dom.js";

export const SLEEP_CHOICES = [["off", "Off"], ["5", "5 minutes"], ["15", "15 minutes"], ["30", "30 minutes"],
  ["45", "45 minutes"], ["60", "1 hour"], ["track", "End of track"]];

export class SleepTimer extends EventTarget {
  constructor(player) {
    super();
    this.player = player;
    this.choice = "off";
    this.timer = null;
    this.endsAt = null;
    // The <select>s shown, one per id: a page that renders again (Settings) replaces its own, so the timer
    // keeps no listener or element per render, only the latest of each.
    this.controls = new Map();
    this.addEventListener("change", () => this.controls.forEach((select) => this.sync(select)));
  }

  set(choice) {
    clearTimeout(this.timer);
    this.timer = null;
    this.endsAt = null;
    this.choice = SLEEP_CHOICES.some(([v]) => v === choice) ? choice : "off";
    this.player.sleepAfterTrack = this.choice === "track";
    const minutes = Number(this.choice);
    if (minutes > 0) {
      this.endsAt = Date.now() + minutes * 60_000;
      this.timer = setTimeout(() => this.fire(), minutes * 60_000);
    }
    this.dispatchEvent(new Event("change"));
  }

  // Time is up (or the track ended with "End of track"): pause, and the timer turns itself off.
  fire() {
    this.player.sleepNow();
    this.set("off");
    this.dispatchEvent(new Event("slept"));
  }

  sync(select) {
    select.value = this.choice;
    select.classList.toggle("on", this.choice !== "off");
  }

  // A <select> bound to this timer; every one shown (bar, Settings) follows the others.
  control(id) {
    const select = h("select", { id, "aria-label": "Sleep timer", onchange: (e) => this.set(e.target.value) },
      SLEEP_CHOICES.map(([value, text]) => h("option", { value, text })));
    this.controls.set(id, select);
    this.sync(select);
    return select;
  }
}
