"""Each free listener's ad clock, kept in memory by the one serving process and written behind to
`ad_clocks`.

A track is charged the larger of two upper bounds on what the listener could have heard of it: the wall
time from its URL to the next music URL (at most its length), and the audio the server actually sent for it
(`_served`). The first alone can be dodged by asking for a short track right after a long one and playing
the long one; the second alone misses audio served by something other than Encore's own byte path.

Every music URL moves the clock, so keeping it only in the database made every free-tier stream-URL
request a write transaction (docs/benchmarks.md). The book is the authority while the process runs: every
face (player API, Subsonic) and every tab or device of an account reads and moves the same entry under one
lock, so nothing can be dodged by switching. The database copy is refreshed at most `flush_every_s` later,
at once when an ad falls due or is played, and is what a restarted process starts from. A restart forgets
what was charged since the last write (the requests of the last `flush_every_s` before it, or of the idle
time before it when no free listener asked for music since; there is no shutdown hook to flush on), never an
owed ad. One book per process: Encore serves from a single process.
"""

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import Row, event, insert, select, update
from sqlalchemy.orm import Session

from encore.playback._models import AdClockRow
from encore.playback._served import Spans, add_span, heard_ms

IDLE_EVICT_S = 6 * 3600
MAX_OPEN_PLAYS = 512  # per listener within one URL lifetime; far beyond any honest client
_T = TypeVar("_T")


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


@dataclass(eq=False)
class OpenPlay:
    """One issued music URL's play: what was sent for it, and how much of it the clock has charged."""

    track_id: int
    duration_ms: int
    issued_at: datetime
    charged_ms: int = 0
    spans: dict[str, tuple[int, Spans]] = field(default_factory=dict)  # rendition -> (size, ranges sent)


@dataclass(frozen=True)
class PlayNames:
    """How the byte path names a play: the listener's and the track's public ids (they are in the URL)."""

    user: str
    track: str
    track_id: int


@dataclass
class _Entry:
    state: ClockState
    dirty: bool
    touched: float
    plays: dict[str, OpenPlay] = field(default_factory=dict)  # by track public id: the newest play of each
    last: OpenPlay | None = None  # the play of state.last_track_id, while this process knows it
    before_last: OpenPlay | None = None  # with `last`, what an honest player is playing and has prefetched
    taps: int = 0  # responses still sending audio for this listener


class PlayTap:
    """Handed to a response that sends a listener's music: it reports each block sent, then closes.

    While an ad is owed (the clock is at the interval), only the listener's last two plays (the track playing
    and the one a player prefetched) may send more: URLs collected earlier cannot be spent instead of the ad.
    """

    def __init__(self, book: "AdClockBook", user_id: int, play: OpenPlay, limit_ms: int) -> None:
        self._book, self._user_id, self._play, self._limit_ms = book, user_id, play, limit_ms
        self._open = True

    def may_send(self) -> bool:
        return self._book._may_send(self._user_id, self._play, self._limit_ms)

    def served(self, rendition: str, size: int, start: int, end: int) -> bool:
        """[start, end) of `size` units (bytes of a file, or ms of a transcode) of `rendition` were sent.
        False when this play may send no more now (an ad is owed and it is not one of the last two)."""
        return self._book._served(
            self._user_id, self._play, self._limit_ms, rendition=rendition, size=size, start=start, end=end
        )

    def close(self) -> None:
        if self._open:
            self._open = False
            self._book._untap(self._user_id)


class AdClockBook:
    def __init__(self, *, flush_every_s: float = 10.0, url_ttl_s: int = 86_400) -> None:
        self._lock = threading.Lock()
        self._entries: dict[int, _Entry] = {}
        self._users: dict[str, int] = {}  # public id -> user id, for the byte path
        self._flush_every_s = flush_every_s
        self._next_flush = time.monotonic() + flush_every_s
        self._url_ttl = timedelta(seconds=url_ttl_s)
        # An entry whose URLs may still be used is kept, so audio sent for them is still charged.
        self._idle_evict_s = max(IDLE_EVICT_S, url_ttl_s + 3600)

    def known(self, user_id: int) -> bool:
        with self._lock:
            return user_id in self._entries

    def move(
        self,
        session: Session,
        user_id: int,
        change: Callable[[ClockState], tuple[ClockState, _T]],
        *,
        loaded: ClockState | None = None,
        names: PlayNames | None = None,
    ) -> _T:
        """Apply `change` to the user's clock atomically (one lock for every face, tab and device).

        `loaded` is the stored row when the caller already read it; otherwise the row is read here, once
        per user and process, outside the lock. When `change` issues a new track, `names` opens its play,
        so the byte path can charge what it sends for it."""
        if loaded is None and not self.known(user_id):
            loaded = _load(session, user_id)
        with self._lock:
            entry = self._entries.get(user_id)
            if entry is None:
                entry = self._entries[user_id] = _Entry(loaded or ClockState(), False, 0.0)
            old = entry.state
            new, result = change(old)
            if new != old:
                entry.state, entry.dirty = new, True
            if (new.last_track_id, new.last_issued_at) != (old.last_track_id, old.last_issued_at):
                self._next_play(user_id, entry, old, new, names)
            elif names is not None and entry.last is None and names.track_id == new.last_track_id:
                self._reopen(user_id, entry, new, names)  # the track playing when this process started
            entry.touched = time.monotonic()
            return result

    def _next_play(
        self, user_id: int, entry: _Entry, old: ClockState, new: ClockState, names: PlayNames | None
    ) -> None:
        """The last track's wall time is now settled into listened_ms: its play is charged the larger of that
        and what was sent, so later bytes charge only beyond it. Then the new track's play opens."""
        settled_at = new.last_issued_at or new.last_ad_at  # the next track's URL, or the ad that reset the clock
        if entry.last is not None and settled_at is not None:
            entry.last.charged_ms = max(entry.last.charged_ms, old.playing_ms(settled_at))
        entry.before_last, entry.last = entry.last, None
        if names is None or new.last_track_id is None or new.last_issued_at is None:
            return
        self._open_play(user_id, entry, names, OpenPlay(new.last_track_id, new.last_duration_ms, new.last_issued_at))

    def _reopen(self, user_id: int, entry: _Entry, state: ClockState, names: PlayNames) -> None:
        """A URL for the last track of a stored clock (issued before a restart) is asked for again: its play
        opens with what was already charged for it, so what is sent from now on counts."""
        if state.last_issued_at is None:
            return
        play = OpenPlay(state.last_track_id or 0, state.last_duration_ms, state.last_issued_at, state.last_served_ms)
        self._open_play(user_id, entry, names, play)

    def _open_play(self, user_id: int, entry: _Entry, names: PlayNames, play: OpenPlay) -> None:
        entry.plays.pop(names.track, None)
        entry.plays[names.track] = entry.last = play
        self._users[names.user] = user_id
        self._prune_plays(user_id, entry, play.issued_at)

    def _prune_plays(self, user_id: int, entry: _Entry, now: datetime) -> None:
        """Forget plays whose URLs have expired (a response still sending holds its play). Past the cap, the
        oldest play is charged in full before it is forgotten: a held URL must never become free audio."""
        for key in [k for k, p in entry.plays.items() if p.issued_at < now - self._url_ttl]:
            del entry.plays[key]
        while len(entry.plays) > MAX_OPEN_PLAYS:
            key, play = next(iter(entry.plays.items()))
            del entry.plays[key]
            self._charge(entry, play, play.duration_ms)

    def forget_plays(self, user_id: int) -> None:
        """The listener is Premium now: nothing sent to them from here on is charged (a response already
        sending keeps its play)."""
        with self._lock:
            entry = self._entries.get(user_id)
            if entry is not None and entry.plays:
                entry.plays.clear()
                entry.last = entry.before_last = None

    def tap(self, user: str, track: str, *, interval_s: int) -> PlayTap | None:
        """A tap for audio about to be sent on a music URL of (user public id, track public id); None when no
        free listener's play is open for it (Premium, ad audio, or a URL from before a restart)."""
        with self._lock:
            user_id = self._users.get(user)
            entry = None if user_id is None else self._entries.get(user_id)
            play = None if entry is None else entry.plays.get(track)
            if user_id is None or entry is None or play is None:
                return None
            entry.taps += 1
            return PlayTap(self, user_id, play, interval_s * 1000)

    def _may_send(self, user_id: int, play: OpenPlay, limit_ms: int) -> bool:
        with self._lock:
            return _allowed(self._entries.get(user_id), play, limit_ms)

    def _served(
        self, user_id: int, play: OpenPlay, limit_ms: int, *, rendition: str, size: int, start: int, end: int
    ) -> bool:
        with self._lock:
            entry = self._entries.get(user_id)
            if entry is not None:
                entry.touched = time.monotonic()
                known = play.spans.get(rendition)
                spans = known[1] if known is not None and known[0] == size else ()  # a replaced file starts over
                play.spans[rendition] = (size, add_span(spans, max(0, start), min(size, end)))
                self._charge(entry, play, heard_ms(play.spans, play.duration_ms))
            return _allowed(entry, play, limit_ms)

    @staticmethod
    def _charge(entry: _Entry, play: OpenPlay, heard: int) -> None:
        """Charge the play up to `heard`; for the last track, that audio also stops counting as pending."""
        delta = heard - play.charged_ms
        if delta <= 0:
            return
        play.charged_ms = heard
        st = entry.state
        served = st.last_served_ms + delta if play is entry.last else st.last_served_ms
        entry.state, entry.dirty = replace(st, listened_ms=st.listened_ms + delta, last_served_ms=served), True

    def _untap(self, user_id: int) -> None:
        with self._lock:
            entry = self._entries.get(user_id)
            if entry is not None:
                entry.taps -= 1

    def write_through(self, session: Session, user_ids: list[int]) -> None:
        """Write these users' clocks now (an ad fell due or was played)."""
        with self._lock:
            rows = [(u, self._entries[u].state) for u in user_ids if u in self._entries]
            for u, _ in rows:
                self._entries[u].dirty = False
        self._write(session, rows)

    def write_behind(self, session: Session) -> None:
        """Every `flush_every_s`, one request writes every changed clock (and forgets long-idle ones)."""
        now = time.monotonic()
        with self._lock:
            if now < self._next_flush:
                return
            self._next_flush = now + self._flush_every_s
            rows = [(u, e.state) for u, e in self._entries.items() if e.dirty]
            for e in self._entries.values():
                e.dirty = False
            idle = [u for u, e in self._entries.items() if now - e.touched > self._idle_evict_s]
            for u in [u for u in idle if not self._entries[u].dirty and self._entries[u].taps == 0]:
                del self._entries[u]
            if idle:
                self._users = {k: u for k, u in self._users.items() if u in self._entries}
        self._write(session, rows)

    def _write(self, session: Session, rows: list[tuple[int, ClockState]]) -> None:
        """Write in the caller's transaction; if that transaction rolls back (the request failed after the
        decision), the entries are dirty again, so the next write-behind carries them."""
        if not rows:
            return
        _write(session, rows)
        user_ids = [u for u, _ in rows]

        def undo(_session: Session, _previous: object = None) -> None:
            with self._lock:
                for u in user_ids:
                    entry = self._entries.get(u)
                    if entry is not None:
                        entry.dirty = True

        event.listen(session, "after_soft_rollback", undo, once=True)


def _allowed(entry: _Entry | None, play: OpenPlay, limit_ms: int) -> bool:
    """Whether `play` may send more: always for the last two plays, otherwise only while no ad is owed."""
    if entry is None or play is entry.last or play is entry.before_last:
        return True
    return entry.state.listened_ms < limit_ms


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
