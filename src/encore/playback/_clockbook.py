"""Each free listener's ad clock and open plays, kept on the shared-state port and written behind to
`ad_clocks`.

A track is charged the larger of two upper bounds on what the listener could have heard of it: the wall
time from its URL to the next music URL (at most its length), and the audio the server actually sent for it
(`_served`). The first alone can be dodged by asking for a short track right after a long one and playing
the long one; the second alone misses audio served by something other than Encore's own byte path.

Every music URL moves the clock, so keeping it only in the database made every free-tier stream-URL
request a write transaction (docs/benchmarks.md). The shared state (`encore.state`) is the authority: one
document per listener (`adclock:{user id}`: the clock, the open plays and which two are playing) and one per
open play (`adclock:spans:...`: the ranges sent), each moved atomically, so every face, tab, device, worker
and node reads and moves the same clock, and a URL issued by one worker is charged by whichever serves it.
With one process the state is in memory; with `ENCORE_REDIS_URL` it is Redis.

The database copy is refreshed at most `flush_every_s` later (a queue of changed clocks any request drains),
at once when an ad falls due or is played, and is what an empty state starts from (a new process in
embedded mode, a Redis that lost its data). Losing the state forgets what was charged since the last write,
never an owed ad.
"""

import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.orm import Session

from encore.kernel import Clock, SystemClock
from encore.playback._adaudio import AdAudio
from encore.playback._clockdoc import (
    DIRTY,
    WHO_PREFIX,
    ClockDoc,
    clock_key,
    finish,
    mark,
    who_key,
)
from encore.playback._clockstate import ClockState, PlayNames, load_state, to_us, write_states
from encore.playback._playtap import PlayTap
from encore.state import Doc, MemoryState, SharedState

IDLE_EVICT_S = 6 * 3600
MAX_OPEN_PLAYS = 512  # per listener within one URL lifetime; far beyond any honest client
MAX_KNOWN_IDS = 100_000  # listeners' ids a process remembers for its taps
_T = TypeVar("_T")
_RELOAD = object()  # the state lost this clock between the check and the move: read the database again


class AdClockBook:
    def __init__(
        self,
        state: SharedState | None = None,
        *,
        flush_every_s: float = 10.0,
        url_ttl_s: int = 86_400,
        clock: Clock | None = None,
    ) -> None:
        self._state = state if state is not None else MemoryState()
        self._clock: Clock = clock if clock is not None else SystemClock()  # dates a seek (`PlayTap`)
        self._flush_lock = threading.Lock()
        self._flush_every_s = flush_every_s
        self._next_flush = time.monotonic() + flush_every_s
        self._url_ttl_us = url_ttl_s * 1_000_000
        # A clock whose URLs may still be used is kept, so audio sent for them is still charged.
        self._keep_s = float(max(IDLE_EVICT_S, url_ttl_s + 3600))
        # listener public id -> user id: a fixed fact (never an authority), so a tap reads one document, not two
        self._ids: dict[str, int] = {}
        # what each listener was sent of the ads handed to them, on the same state (`AdAudio`)
        self.ad_audio = AdAudio(self._state)

    def _ttls(self, n: int) -> list[float]:
        return [self._keep_s] * n

    def known(self, user_id: int) -> bool:
        return self._state.get(clock_key(user_id)) is not None

    def move(
        self,
        session: Session,
        user_id: int,
        change: Callable[[ClockState], tuple[ClockState, _T]],
        *,
        loaded: ClockState | None = None,
        names: PlayNames | None = None,
    ) -> _T:
        """Apply `change` to the user's clock atomically (every face, tab, device, worker and node moves the
        same document; `change` may run again when another writer got there first, so it must be pure).

        `loaded` is the stored row when the caller already read it; otherwise the row is read here when the
        state does not hold this clock. When `change` issues a new track, `names` opens its play, so the byte
        path (on any worker) can charge what it sends for it."""
        keys = [clock_key(user_id)] + ([who_key(names.user)] if names is not None else [])
        for _ in range(3):
            if loaded is None and not self.known(user_id):
                loaded = load_state(session, user_id)
            step = self._move_step(user_id, change, loaded, names)
            result, dirtied = self._state.update(keys, step, ttl_s=self._ttls(len(keys)))
            if result is not _RELOAD:
                if dirtied:
                    self._state.push(DIRTY, [str(user_id)])
                return result  # type: ignore[no-any-return]
            loaded = None
        raise RuntimeError("the shared state keeps losing this ad clock")

    def _move_step(
        self,
        user_id: int,
        change: Callable[[ClockState], tuple[ClockState, _T]],
        loaded: ClockState | None,
        names: PlayNames | None,
    ) -> Callable[[list[Doc | None]], tuple[list[Doc | None], tuple[Any, bool]]]:
        def step(docs: list[Doc | None]) -> tuple[list[Doc | None], tuple[Any, bool]]:
            raw = docs[0]
            if raw is None and loaded is None:
                return docs, (_RELOAD, False)
            clock = ClockDoc.parse(raw) if raw is not None else ClockDoc(loaded or ClockState())
            old = clock.state
            new, result = change(old)
            clock.state = new
            if (new.last_track_id, new.last_issued_at) != (old.last_track_id, old.last_issued_at):
                self._next_play(clock, old, names)
            elif names is not None and clock.last is None and names.track_id == new.last_track_id:
                self._reopen(clock, names)  # the track playing when the state was last emptied
            doc, dirtied = finish(raw, clock)
            who = docs[1:] if names is None else [{"id": user_id}]
            return [doc, *who], (result, dirtied)

        return step

    def _next_play(self, clock: ClockDoc, old: ClockState, names: PlayNames | None) -> None:
        """The last track's wall time is now settled into listened_ms: its play is charged the larger of that
        and what was sent, so later bytes charge only beyond it. Then the new track's play opens."""
        new = clock.state
        settled_at = new.last_issued_at or new.last_ad_at  # the next track's URL, or the ad that reset the clock
        last = clock.plays.get(clock.last) if clock.last is not None else None
        if last is not None and settled_at is not None:
            last[3] = max(last[3], old.playing_ms(settled_at))
        clock.prev, clock.last = clock.last, None
        if names is None or new.last_track_id is None or new.last_issued_at is None:
            return
        self._open_play(clock, names, [new.last_track_id, new.last_duration_ms, to_us(new.last_issued_at) or 0, 0])

    def _reopen(self, clock: ClockDoc, names: PlayNames) -> None:
        """A URL for the last track of a stored clock (issued before the state was emptied) is asked for
        again: its play opens with what was already charged for it, so what is sent from now on counts."""
        st = clock.state
        if st.last_issued_at is not None:
            play = [st.last_track_id or 0, st.last_duration_ms, to_us(st.last_issued_at) or 0, st.last_served_ms]
            self._open_play(clock, names, play)

    def _open_play(self, clock: ClockDoc, names: PlayNames, play: list[int]) -> None:
        clock.plays.pop(names.track, None)
        clock.plays[names.track] = play
        clock.last = names.track
        self._prune_plays(clock, play[2])

    def _prune_plays(self, clock: ClockDoc, now_us: int) -> None:
        """Forget plays whose URLs have expired. Past the cap, the oldest play is charged in full before it
        is forgotten: a held URL must never become free audio."""
        for key in [k for k, p in clock.plays.items() if p[2] < now_us - self._url_ttl_us]:
            del clock.plays[key]
        while len(clock.plays) > MAX_OPEN_PLAYS:
            key = next(iter(clock.plays))
            clock.charge(key, clock.plays[key][1])
            del clock.plays[key]
        if clock.prev not in clock.plays:
            clock.prev = None

    def charged_plays(self, user_id: int) -> dict[str, int]:
        """What each open play of this listener has cost so far (track public id -> ms), oldest first."""
        raw = self._state.get(clock_key(user_id))
        return {} if raw is None else {track: play[3] for track, play in raw["p"].items()}

    def forget_plays(self, user_id: int) -> None:
        """The listener is Premium now: nothing sent to them on earlier URLs is charged any more."""

        def step(docs: list[Doc | None]) -> tuple[list[Doc | None], tuple[None, bool]]:
            raw = docs[0]
            if raw is None or not raw["p"]:
                return docs, (None, False)
            clock = ClockDoc.parse(raw)
            clock.plays, clock.last, clock.prev = {}, None, None
            doc, dirtied = finish(raw, clock)
            return [doc], (None, dirtied)

        self._state.update([clock_key(user_id)], step, ttl_s=self._ttls(1))

    def tap(self, user: str, track: str, *, interval_s: int) -> PlayTap | None:
        """A tap for audio about to be sent on a music URL of (user public id, track public id); None when no
        free listener's play is open for it (Premium, ad audio, or a URL from before the state was emptied)."""
        user_id = self._ids.get(user)
        if user_id is None:
            user_id = self._id_of(user, self._state.get(who_key(user)))
        raw = None if user_id is None else self._state.get(clock_key(user_id))
        return self._tap_of(user_id, raw, track, interval_s)

    async def atap(self, user: str, track: str, *, interval_s: int) -> PlayTap | None:
        """`tap` for the byte path, reading no clock: its first block's charge (`PlayTap.acharge`, gated) also
        gates it and finds whether a play is open, in one atomic move. None for a listener never on the free tier
        (no clock document names them)."""
        user_id = self._ids.get(user)
        if user_id is None:
            # kept by this process until anyone writes a listener's `who` (Redis reports it): a Premium listener's
            # request asks Redis nothing here, and one who joins the free tier is known at their first free URL
            user_id = self._id_of(user, await self._state.aget_kept(who_key(user), watch=WHO_PREFIX))
        return None if user_id is None else PlayTap(self, user_id, track, interval_s * 1000)

    def _id_of(self, user: str, who: Doc | None) -> int | None:
        if who is None:
            return None
        if len(self._ids) >= MAX_KNOWN_IDS:
            self._ids.clear()
        self._ids[user] = int(who["id"])
        return self._ids[user]

    def _tap_of(self, user_id: int | None, raw: Doc | None, track: str, interval_s: int) -> PlayTap | None:
        if user_id is None or raw is None or track not in raw["p"]:
            return None
        return PlayTap(self, user_id, track, interval_s * 1000)

    def write_through(self, session: Session, user_ids: list[int]) -> None:
        """Write these users' clocks now (an ad fell due or was played)."""
        self._write(session, user_ids)

    def write_behind(self, session: Session) -> None:
        """Every `flush_every_s` (per process), one request writes the clocks that changed since written."""
        now = time.monotonic()
        with self._flush_lock:
            if now < self._next_flush:
                return
            self._next_flush = now + self._flush_every_s
        self._write(session, sorted({int(u) for u in self._state.take(DIRTY, limit=10_000)}))

    def _write(self, session: Session, user_ids: list[int]) -> None:
        """Write in the caller's transaction, then mark each clock clean unless it moved meanwhile; if that
        transaction rolls back (the request failed after the decision), the clocks are dirty again."""
        written: list[tuple[int, int]] = []
        states: list[tuple[int, ClockState]] = []
        for user_id in user_ids:
            raw = self._state.get(clock_key(user_id))
            if raw is None or not raw.get("d"):
                continue
            states.append((user_id, ClockDoc.parse(raw).state))
            written.append((user_id, raw["v"]))
        if not written:
            return

        def undo(_session: Session, _previous: object = None) -> None:
            for user_id, _version in written:
                self._state.update([clock_key(user_id)], mark(dirty=True, version=None), ttl_s=self._ttls(1))
            self._state.push(DIRTY, [str(u) for u, _ in written])

        # before the writes: a write that fails queues the whole batch again (review17: one failing write lost
        # the batch from the queue while its clocks stayed marked dirty, so none was ever written behind again)
        event.listen(session, "after_soft_rollback", undo, once=True)
        write_states(session, states)
        for user_id, version in written:
            self._state.update([clock_key(user_id)], mark(dirty=False, version=version), ttl_s=self._ttls(1))
