// The persistent player bar: what is playing, transport, seek and volume. It lives outside the view
// outlet, so navigation never touches it.

import { artistLinks, cover, formatTime, h, hrefFor } from "./dom.js";
import { icon } from "./icons.js";

function button(name, label, onclick, cls = "icon-button") {
  return h("button", { type: "button", class: cls, "aria-label": label, title: label, onclick }, icon(name));
}

function setIcon(btn, name, label) {
  btn.replaceChildren(icon(name));
  btn.setAttribute("aria-label", label);
  btn.title = label;
}

export function mountPlaybar(root, player) {
  const audio = player.audio;
  const art = h("div", { class: "now-art" });
  const title = h("div", { class: "now-title" });
  const artists = h("div", { class: "now-artists" });
  const prev = button("prev", "Previous track", () => player.prev());
  const play = button("play", "Play", () => player.toggle(), "icon-button play-button");
  const next = button("next", "Next track", () => player.next());
  const current = h("span", { class: "time", "aria-hidden": "true", text: "0:00" });
  const total = h("span", { class: "time", "aria-hidden": "true", text: "0:00" });
  const seek = h("input", { type: "range", class: "seek", min: 0, max: 0, step: "any", value: 0, "aria-label": "Seek" });
  const mute = button("volume", "Mute", () => player.toggleMute());
  const volume = h("input", {
    type: "range", class: "volume", min: 0, max: 1, step: 0.01, value: player.volume, "aria-label": "Volume",
  });
  let dragging = false;

  root.replaceChildren(
    h("div", { class: "now" }, art, h("div", { class: "now-text" }, title, artists)),
    h("div", { class: "transport" },
      h("div", { class: "buttons" }, prev, play, next),
      h("div", { class: "progress" }, current, seek, total)),
    h("div", { class: "level" }, mute, volume),
  );

  const fill = (input, value, max) => input.style.setProperty("--fill", `${max > 0 ? (value / max) * 100 : 0}%`);

  function showTime() {
    const duration = Number.isFinite(audio.duration) ? audio.duration : (player.track?.duration_ms ?? 0) / 1000;
    seek.max = String(duration || 0);
    total.textContent = formatTime(duration);
    if (dragging) return;
    seek.value = String(audio.currentTime);
    current.textContent = formatTime(audio.currentTime);
    seek.setAttribute("aria-valuetext", `${formatTime(audio.currentTime)} of ${formatTime(duration)}`);
    fill(seek, audio.currentTime, duration);
  }

  function showTrack() {
    const t = player.track;
    root.classList.toggle("idle", !t);
    if (!t) {
      art.replaceChildren(h("div", { class: "cover cover-empty" }));
      title.textContent = "Nothing playing";
      artists.replaceChildren();
    } else {
      art.replaceChildren(cover(t.images, 64, "cover"));
      title.replaceChildren(h("a", { href: hrefFor("album", t.album.id), dir: "auto", text: t.title }));
      artists.replaceChildren(artistLinks(t.artists));
    }
    for (const b of [play, seek]) b.disabled = !t;
    prev.disabled = !t;
    next.disabled = !player.hasNext;
    showTime();
  }

  function showPlaying() {
    const playing = !audio.paused;
    setIcon(play, playing ? "pause" : "play", playing ? "Pause" : "Play");
    root.classList.toggle("playing", playing);
  }

  function showVolume() {
    const level = player.muted ? 0 : player.volume;
    volume.value = String(level);
    fill(volume, level, 1);
    setIcon(mute, level === 0 ? "mute" : "volume", player.muted ? "Unmute" : "Mute");
  }

  seek.addEventListener("input", () => {
    dragging = true;
    current.textContent = formatTime(Number(seek.value));
    fill(seek, Number(seek.value), Number(seek.max));
  });
  seek.addEventListener("change", () => {
    dragging = false;
    player.seek(Number(seek.value));
  });
  volume.addEventListener("input", () => player.setVolume(Number(volume.value)));
  for (const ev of ["timeupdate", "durationchange", "loadedmetadata", "seeked"]) audio.addEventListener(ev, showTime);
  for (const ev of ["play", "pause", "playing", "ended"]) audio.addEventListener(ev, showPlaying);
  player.addEventListener("trackchange", showTrack);
  player.addEventListener("volumechange", showVolume);
  showTrack();
  showPlaying();
  showVolume();
}
