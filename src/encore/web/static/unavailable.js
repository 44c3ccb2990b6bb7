// Tracks the server no longer gives out: a label withdrew the release, or the track is refused for a reason
// no click can change (404, or 403 other than an ad break or Premium, which have their own notices). Lists
// grey them out before the click (`playable === false` from the API; absent means playable); the player
// says so once and goes on with the queue, as Spotify's client skips greyed tracks, instead of stopping
// the music without a word (probe19 F2).
import { h, named } from "./dom.js";
import { toast } from "./toast.js";

export const isUnavailable = (track) => !!track && track.playable === false;

// A refusal that is about the track, not about this moment: asking again would be refused again.
export function gone(err) {
  if (!err || typeof err.status !== "number") return false; // the network: not the track's fault
  if (err.status === 404) return true;
  return err.status === 403 && err.code !== "ad_break_due" && !String(err.code).startsWith("premium_required");
}

// A row the list shows but no click starts: marked with a word, not only a colour.
export function markUnavailableRow(row) {
  row.classList.add("unavailable");
  const play = row.querySelector(".track-play");
  if (!play || play.querySelector(".unavailable-badge")) return;
  play.disabled = true;
  play.title = "This track isn't available any more";
  const badge = h("span", { class: "unavailable-badge", id: `unavailable-${row.dataset.trackId}`, text: "Unavailable" });
  play.querySelector(".track-main").append(badge);
  play.setAttribute("aria-describedby", badge.id);
}

// One notice for a run of skipped tracks: the second skip in a row replaces the first's words.
function say(skipped, goingOn) {
  const head = skipped.length === 1
    ? [named(skipped[0].title), " isn't available any more"]
    : [`${skipped.length} tracks in a row aren't available any more`];
  toast(...head, goingOn ? ": skipped" : ". The queue has nothing more to play.");
}

// Called by Player.start() for the track at player.index when the server refused it for good. Goes on to
// the next track, or stops with a notice at the end of the queue and when every track was refused (so a
// repeating queue of withdrawn tracks never loops).
export async function skipUnavailable(player, track, { autoplay }) {
  track.playable = false; // the queue view greys it, and the next pass skips it without asking the server
  for (const row of document.querySelectorAll("ol.tracks > li[data-track-id]")) if (row.dataset.trackId === track.id) markUnavailableRow(row);
  player.prepared = null;
  if (!autoplay) { player.emit(); return; } // a queue restored at page load: said when Play is pressed
  player.skipped.push(track);
  const atEnd = player.index + 1 >= player.queue.length && player.repeat !== "all";
  const allGone = player.skipped.length >= player.queue.length || player.queue.every(isUnavailable);
  if (allGone && player.queue.length > 1) toast("None of the tracks in the queue is available any more.");
  else say(player.skipped, !atEnd);
  if (atEnd || allGone) {
    player.skipped = [];
    player.stopOn(track);
    return;
  }
  await player.next("skipped");
}
