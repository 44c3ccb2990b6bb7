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
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import Row, event, insert, select, update
from sqlalchemy.orm import Session

from encore.playback._models import AdClockRow
from encore.playback._served import Spans, add_span, heard_ms, pace_wait_ms
from encore.state import Doc, MemoryState, SharedState

IDLE_EVICT_S = 6 * 3600
MAX_OPEN_PLAYS = 512  # per listener within one URL lifetime; far beyond any honest client
DIRTY = "adclock:dirty"  # queue of user ids whose clock changed since it was last written
_T = TypeVar("_T")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_RELOAD = object()  # the state lost this clock between the check and the move: read the database again


def _us(at: datetime | None) -> int | None:
    return None if at is None else (at - _EPOCH) // timedelta(microseconds=1)


def _at(us: int | None) -> datetime | None:
    return None if us is None else _EPOCH + timedelta(microseconds=us)


def _clock_key(user_id: int) -> str:
    return f"adclock:{user_id}"


def _who_key(user: str) -> str:
    return f"adclock:who:{user}"


def _spans_key(user_id: int, track: str) -> str:
    return f"adclock:spans:{user_id}:{track}"


@dataclass(frozen=True)
class ClockState:
    listened_ms: int = 0  # charged and settled since the last ad played through
    last_track_id: int | None = None
    last_issued_at: datetime | None = None
    last_duration_ms: int = 0
    last_ad_at: datetime | None = None
    last_served_ms: int = 0  # audio of the last issued track already charged from bytes sent (in listened_ms)

    def playing_ms(self, now: datetime) -> int:
        """Time the last issued track may have been playing: wall time since issue, at most its length."""
        if self.last_issued_at is None:
            return 0
        elapsed = int((now - self.last_issued_at).total_seconds() * 1000)
        return max(0, min(elapsed, self.last_duration_ms))

    def pending_ms(self, now: datetime) -> int:
        """What the wall time of the last track adds beyond the audio already charged for it."""
        return max(0, self.playing_ms(now) - self.last_served_ms)

    def total_ms(self, now: datetime) -> int:
        return self.listened_ms + self.pending_ms(now)

    def charged(self, *, track_id: int, duration_ms: int, now: datetime) -> "ClockState":
        return replace(
            self,
            listened_ms=self.total_ms(now),
            last_track_id=track_id,
            last_issued_at=now,
            last_duration_ms=duration_ms,
            last_served_ms=0,
        )


def state_of(row: "AdClockRow | Row[Any] | None") -> ClockState:
    """The clock a stored `ad_clocks` row (or a joined row with the same column names) holds."""
    if row is None:
        return ClockState()
    return ClockState(
        row.listened_ms, row.last_track_id, row.last_issued_at, row.last_duration_ms, row.last_ad_at, row.last_served_ms
    )


@dataclass(frozen=True)
class PlayNames:
    """How the byte path names a play: the listener's and the track's public ids (they are in the URL)."""

    user: str
    track: str
    track_id: int


@dataclass
class _Clock:
    """One listener's document on the shared state, parsed. `plays` maps a track's public id to its newest
    play, oldest first: [track id, length ms, issued at (µs), charged ms]. `last` and `prev` name the plays
    an honest player is playing and has prefetched."""

    state: ClockState
    plays: dict[str, list[int]] = field(default_factory=dict)
    last: str | None = None
    prev: str | None = None
    dirty: bool = False
    version: int = 0

    @classmethod
    def parse(cls, doc: Doc) -> "_Clock":
        s = doc["s"]
        state = ClockState(s[0], s[1], _at(s[2]), s[3], _at(s[4]), s[5])
        plays = {k: list(v) for k, v in doc["p"].items()}  # copies: the caller compares against `doc`
        return cls(state, plays, doc.get("l"), doc.get("b"), doc.get("d", False), doc.get("v", 0))

    def dump(self) -> Doc:
        s = self.state
        return {
            "s": [
                s.listened_ms,
                s.last_track_id,
                _us(s.last_issued_at),
                s.last_duration_ms,
                _us(s.last_ad_at),
                s.last_served_ms,
            ],
            "p": self.plays,
            "l": self.last,
            "b": self.prev,
            "d": self.dirty,
            "v": self.version,
        }

    def charge(self, track: str, heard: int) -> None:
        """Charge the play up to `heard`; for the last track, that audio also stops counting as pending."""
        play = self.plays[track]
        delta = heard - play[3]
        if delta <= 0:
            return
        play[3] = heard
        st = self.state
        served = st.last_served_ms + delta if track == self.last else st.last_served_ms
        self.state = replace(st, listened_ms=st.listened_ms + delta, last_served_ms=served)

    def allowed(self, track: str, limit_ms: int) -> bool:
        """Whether `track`'s play may send more: always for the last two plays, otherwise while no ad is owed."""
        return track in (self.last, self.prev) or self.state.listened_ms < limit_ms


def _finish(raw: Doc | None, clock: _Clock) -> tuple[Doc | None, bool]:
    """The document to store, marked dirty (and versioned) when it changed; and whether it just became dirty."""
    if raw is not None and clock.dump() == raw:
        return raw, False
    was_dirty = clock.dirty
    clock.dirty, clock.version = True, clock.version + 1
    return clock.dump(), not was_dirty


# What one block's charge answers: may the play send more, did the clock just become dirty, and (audio of
# the play charged, its URL's issue in µs, its length) for pacing.
_Served = tuple[bool, bool, tuple[int, int, int] | None]


class PlayTap:
    """Handed to a response that sends a listener's music: it reports each block sent, then closes.

    While an ad is owed (the clock is at the interval), only the listener's last two plays (the track playing
    and the one a player prefetched) may send more: URLs collected earlier cannot be spent instead of the ad.
    The sync and async forms do the same (the byte path awaits; Subsonic's transcode iterates in a thread).
    """

    def __init__(self, book: "AdClockBook", user_id: int, track: str, limit_ms: int) -> None:
        self._book, self._user_id, self._track, self._limit_ms = book, user_id, track, limit_ms
        self._heard: tuple[int, int, int] | None = None  # (audio of the play charged, its URL's issue µs, length)

    def wait_s(self, now: datetime, *, burst_s: int, speed: float) -> float:
        """How long to hold the block just charged (`served`) before sending it (the free tier's pacing,
        `_served.pace_wait_ms`). The charge read the play's shared document atomically, so this counts every
        block charged for the play by any response (parallel or successive ranges): a play never runs ahead
        of its allowance, its first block included."""
        if self._heard is None:
            return 0.0  # nothing charged: the play is forgotten (Premium now, or the state was emptied)
        heard, issued_us, _duration_ms = self._heard
        elapsed_ms = ((_us(now) or 0) - issued_us) // 1000
        return pace_wait_ms(heard_ms=heard, elapsed_ms=elapsed_ms, burst_ms=burst_s * 1000, speed=speed) / 1000

    def may_send(self) -> bool:
        return self._book._may_send(self._book._state.get(_clock_key(self._user_id)), self._track, self._limit_ms)

    async def amay_send(self) -> bool:
        raw = await self._book._state.aget(_clock_key(self._user_id))
        return self._book._may_send(raw, self._track, self._limit_ms)

    def served(self, rendition: str, size: int, start: int, end: int) -> bool:
        """[start, end) of `size` units (bytes of a file, or ms of a transcode) of `rendition` were sent.
        False when this play may send no more now (an ad is owed and it is not one of the last two)."""
        keys, step = self._book._served_step(self._user_id, self._track, self._limit_ms, rendition, size, start, end)
        allowed, dirtied, self._heard = self._book._state.update(keys, step, ttl_s=self._book._ttls(2))
        if dirtied:
            self._book._state.push(DIRTY, [str(self._user_id)])
        return allowed

    async def aserved(self, rendition: str, size: int, start: int, end: int) -> bool:
        keys, step = self._book._served_step(self._user_id, self._track, self._limit_ms, rendition, size, start, end)
        allowed, dirtied, self._heard = await self._book._state.aupdate(keys, step, ttl_s=self._book._ttls(2))
        if dirtied:
            await self._book._state.apush(DIRTY, [str(self._user_id)])
        return allowed

    def close(self) -> None:
        """Nothing is held: every block was charged as it was sent."""


class AdClockBook:
    def __init__(
        self, state: SharedState | None = None, *, flush_every_s: float = 10.0, url_ttl_s: int = 86_400
    ) -> None:
        self._state = state if state is not None else MemoryState()
        self._flush_lock = threading.Lock()
        self._flush_every_s = flush_every_s
        self._next_flush = time.monotonic() + flush_every_s
        self._url_ttl_us = url_ttl_s * 1_000_000
        # A clock whose URLs may still be used is kept, so audio sent for them is still charged.
        self._keep_s = float(max(IDLE_EVICT_S, url_ttl_s + 3600))

    def _ttls(self, n: int) -> list[float | None]:
        return [self._keep_s] * n

    def known(self, user_id: int) -> bool:
        return self._state.get(_clock_key(user_id)) is not None

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
        keys = [_clock_key(user_id)] + ([_who_key(names.user)] if names is not None else [])
        for _ in range(3):
            if loaded is None and not self.known(user_id):
                loaded = _load(session, user_id)
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
            clock = _Clock.parse(raw) if raw is not None else _Clock(loaded or ClockState())
            old = clock.state
            new, result = change(old)
            clock.state = new
            if (new.last_track_id, new.last_issued_at) != (old.last_track_id, old.last_issued_at):
                self._next_play(clock, old, names)
            elif names is not None and clock.last is None and names.track_id == new.last_track_id:
                self._reopen(clock, names)  # the track playing when the state was last emptied
            doc, dirtied = _finish(raw, clock)
            who = docs[1:] if names is None else [{"id": user_id}]
            return [doc, *who], (result, dirtied)

        return step

    def _next_play(self, clock: _Clock, old: ClockState, names: PlayNames | None) -> None:
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
        self._open_play(clock, names, [new.last_track_id, new.last_duration_ms, _us(new.last_issued_at) or 0, 0])

    def _reopen(self, clock: _Clock, names: PlayNames) -> None:
        """A URL for the last track of a stored clock (issued before the state was emptied) is asked for
        again: its play opens with what was already charged for it, so what is sent from now on counts."""
        st = clock.state
        if st.last_issued_at is not None:
            play = [st.last_track_id or 0, st.last_duration_ms, _us(st.last_issued_at) or 0, st.last_served_ms]
            self._open_play(clock, names, play)

    def _open_play(self, clock: _Clock, names: PlayNames, play: list[int]) -> None:
        clock.plays.pop(names.track, None)
        clock.plays[names.track] = play
        clock.last = names.track
        self._prune_plays(clock, play[2])

    def _prune_plays(self, clock: _Clock, now_us: int) -> None:
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
        raw = self._state.get(_clock_key(user_id))
        return {} if raw is None else {track: play[3] for track, play in raw["p"].items()}

    def forget_plays(self, user_id: int) -> None:
        """The listener is Premium now: nothing sent to them on earlier URLs is charged any more."""

        def step(docs: list[Doc | None]) -> tuple[list[Doc | None], tuple[None, bool]]:
            raw = docs[0]
            if raw is None or not raw["p"]:
                return docs, (None, False)
            clock = _Clock.parse(raw)
            clock.plays, clock.last, clock.prev = {}, None, None
            doc, dirtied = _finish(raw, clock)
            return [doc], (None, dirtied)

        self._state.update([_clock_key(user_id)], step, ttl_s=self._ttls(1))

    def tap(self, user: str, track: str, *, interval_s: int) -> PlayTap | None:
        """A tap for audio about to be sent on a music URL of (user public id, track public id); None when no
        free listener's play is open for it (Premium, ad audio, or a URL from before the state was emptied)."""
        who = self._state.get(_who_key(user))
        raw = None if who is None else self._state.get(_clock_key(who["id"]))
        return self._tap_of(who, raw, track, interval_s)

    async def atap(self, user: str, track: str, *, interval_s: int) -> PlayTap | None:
        who = await self._state.aget(_who_key(user))
        raw = None if who is None else await self._state.aget(_clock_key(who["id"]))
        return self._tap_of(who, raw, track, interval_s)

    def _tap_of(self, who: Doc | None, raw: Doc | None, track: str, interval_s: int) -> PlayTap | None:
        if who is None or raw is None or track not in raw["p"]:
            return None
        return PlayTap(self, int(who["id"]), track, interval_s * 1000)

    @staticmethod
    def _may_send(raw: Doc | None, track: str, limit_ms: int) -> bool:
        return raw is None or _Clock.parse(raw).allowed(track, limit_ms)

    def _served_step(  # noqa: PLR0917 - one block's coordinates
        self, user_id: int, track: str, limit_ms: int, rendition: str, size: int, start: int, end: int
    ) -> tuple[list[str], Callable[[list[Doc | None]], tuple[list[Doc | None], _Served]]]:
        def step(docs: list[Doc | None]) -> tuple[list[Doc | None], _Served]:
            raw, sent = docs
            if raw is None or track not in raw["p"]:
                return docs, (True, False, None)  # forgotten (Premium now, or the state was emptied): nothing to charge
            clock = _Clock.parse(raw)
            play = clock.plays[track]
            renditions: dict[str, tuple[int, Spans]] = {}
            if sent is not None and sent["at"] == play[2]:  # a newer play of the track starts over
                renditions = {k: (v[0], tuple((s, e) for s, e in v[1])) for k, v in sent["r"].items()}
            known = renditions.get(rendition)
            spans = known[1] if known is not None and known[0] == size else ()  # a replaced file starts over
            renditions[rendition] = (size, add_span(spans, max(0, start), min(size, end)))
            clock.charge(track, heard_ms(renditions, play[1]))
            doc, dirtied = _finish(raw, clock)
            spans_doc = {"at": play[2], "r": {k: [v[0], [list(x) for x in v[1]]] for k, v in renditions.items()}}
            return [doc, spans_doc], (clock.allowed(track, limit_ms), dirtied, (play[3], play[2], play[1]))

        return [_clock_key(user_id), _spans_key(user_id, track)], step

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
        for user_id in user_ids:
            raw = self._state.get(_clock_key(user_id))
            if raw is None or not raw.get("d"):
                continue
            _write(session, [(user_id, _Clock.parse(raw).state)])
            written.append((user_id, raw["v"]))
        if not written:
            return
        for user_id, version in written:
            self._state.update([_clock_key(user_id)], _mark(dirty=False, version=version), ttl_s=self._ttls(1))

        def undo(_session: Session, _previous: object = None) -> None:
            for user_id, _version in written:
                self._state.update([_clock_key(user_id)], _mark(dirty=True, version=None), ttl_s=self._ttls(1))
            self._state.push(DIRTY, [str(u) for u, _ in written])

        event.listen(session, "after_soft_rollback", undo, once=True)


def _mark(*, dirty: bool, version: int | None) -> Callable[[list[Doc | None]], tuple[list[Doc | None], None]]:
    """Mark a clock document clean (only if still at `version`: a later change keeps it dirty) or dirty."""

    def step(docs: list[Doc | None]) -> tuple[list[Doc | None], None]:
        raw = docs[0]
        if raw is None or (version is not None and raw["v"] != version):
            return docs, None
        return [{**raw, "d": dirty}], None

    return step


def _load(session: Session, user_id: int) -> ClockState:
    return state_of(session.scalar(select(AdClockRow).where(AdClockRow.user_id == user_id)))


def _write(session: Session, rows: list[tuple[int, ClockState]]) -> None:
    for user_id, s in rows:
        values = {
            "listened_ms": s.listened_ms,
            "last_track_id": s.last_track_id,
            "last_issued_at": s.last_issued_at,
            "last_duration_ms": s.last_duration_ms,
            "last_ad_at": s.last_ad_at,
            "last_served_ms": s.last_served_ms,
        }
        done = session.execute(update(AdClockRow).where(AdClockRow.user_id == user_id).values(**values))
        if getattr(done, "rowcount", 0) == 0:
            session.execute(insert(AdClockRow).values(user_id=user_id, **values))
