"""Verified streams: Encore's own record that at least 30 s of a track's audio was sent to a listener.

Money follows server facts: label dashboards and royalty statements count these rows only. A row is
written by the byte path, never by a client's report (play reports, scrobbles, ListenBrainz submissions
and imports feed history and Wrapped only). What was sent is kept per listener and track on the shared
state as a lower bound (the union of ranges sent, dropping the smallest when the list is full, so scattered
tiny ranges never add up to more than they carried), across every request, worker and node. One play of a
track lasts its length from its first byte: parallel requests, seeks and re-reads within it count once.
"""

import hashlib
import hmac
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import (
    BigInteger,
    Exists,
    ForeignKey,
    Index,
    Integer,
    ScalarSelect,
    String,
    UniqueConstraint,
    exists,
    func,
    literal,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from encore.accounts import User
from encore.catalog import Album, Track, published_when
from encore.db import Base, UTCDateTime
from encore.playback._paid import paid_play
from encore.playback._served import SentSpans, Spans
from encore.playback._verifymove import DONE, VERIFY, verify_args
from encore.state import Doc, SharedState

VERIFY_MIN_MS = 30_000  # a stream counts once 30 s of its audio were sent, once per play
# One listener hears one track at a time: of the verified plays whose first bytes lie within VERIFY_MIN_MS of
# each other, at most this many count (the track playing and the next one, fetched near its end). A Premium
# account downloading six tracks at once made six paid streams in 0.8 s (the hostile review, session 12).
AT_ONCE = 2
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class VerifiedStream(Base):
    __tablename__ = "verified_streams"
    __table_args__ = (
        # One row per play, whoever it names: a de-identified row (user_id NULL) still blocks its duplicate
        UniqueConstraint("play_key"),
        Index("ix_verified_streams_track_at", "track_id", "first_byte_at"),
        Index("ix_verified_streams_at", "first_byte_at", "user_id", "track_id"),
        Index("ix_verified_streams_user_at", "user_id", "first_byte_at"),  # the at-once count
    )
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    # NULL once the listener forgot the history it belongs to or deleted the account: the financial record
    # stays (closed statements were computed from it, open ones still count it), de-identified
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    track_id: Mapped[int] = mapped_column(ForeignKey("tracks.id", ondelete="CASCADE"))
    # A keyed hash of the listener, the track and the play's first byte (`play_key`): unique on its own, and
    # naming no one to whoever reads the database without the server's secret; random (REKEYED) on a row
    # de-identified once no kept copy of its play can arrive, so the secret's holder cannot re-link it either
    play_key: Mapped[str] = mapped_column(String(64))
    first_byte_at: Mapped[datetime] = mapped_column(UTCDateTime())
    audio_ms: Mapped[int] = mapped_column(Integer)  # audio sent when the stream was verified (a lower bound)


@dataclass(frozen=True)
class Coordinates:
    """What one response sent of one track, to merge into the listener's play."""

    user: str
    track: str
    duration_ms: int
    rendition: str
    size: int
    spans: Spans
    first_byte_at: datetime


@dataclass(frozen=True)
class Verified:
    user: str  # public ids, as the signed URL names them
    track: str
    play_key: str
    first_byte_at: datetime
    audio_ms: int
    # When an outbox kept it (read back by a drain; None for a play written as it verifies): about when it verified,
    # kept beside the record, never in it (`_outbox`). Not part of the record's identity.
    kept_at: datetime | None = field(default=None, compare=False)


def _us(at: datetime) -> int:
    return (at - _EPOCH) // timedelta(microseconds=1)


def play_key_secret(secret_key: str) -> bytes:
    """The key of `play_key`'s hash, derived from ENCORE_SECRET_KEY (not from the rotating keyring: a play's
    key must stay the same for as long as a log naming it may be read again)."""
    return hmac.new(secret_key.encode(), b"encore-verified-play-key-v1", hashlib.sha256).digest()


def play_key(secret: bytes, *, user: str, track: str, first_us: int) -> str:
    """One play's key: the same listener, track and first byte always give it; it names no one without
    `secret`, so it stays on a de-identified row as that play's duplicate guard (until `_forgotten` re-keys it)."""
    return hmac.new(secret, f"{user}|{track}|{first_us}".encode(), hashlib.sha256).hexdigest()


# A de-identified row's key once no copy of its play can still arrive: random, and no `play_key` has a colon
# (`playback._forgotten`, review24 F3)
REKEYED = "gone:"


DONE_PLAYS = 8192  # verified plays a process remembers, so their later blocks skip the shared state


def _key(user: str, track: str) -> str:
    return f"verify:{user}:{track}"


def _window_us(duration_ms: int) -> int:
    return max(duration_ms, VERIFY_MIN_MS) * 1000


class StreamVerifier:
    """Merges what each response sent into the listener's play of the track, on the shared state.

    A play verifies once: after that, nothing sent for it can change the record, so this process remembers
    the plays it verified itself (bounded) and their later blocks and requests skip the shared state. Only its
    own: the process that flips a play to done is the one writing its record, and the only one that can take
    the mark back (`unmark`, when the write fails), so its memory never outlives the fact. A play another
    worker verified is not remembered here (that worker's write may still fail and unmark it); forgetting
    costs one read."""

    def __init__(self, state: SharedState, *, secret: bytes) -> None:
        self._state, self._secret = state, secret  # secret: `play_key_secret(settings.secret_key)`
        # (listener, track) -> (verified play's first byte, its window): compared as datetimes, the same exact
        # microseconds as the state's integers, without converting each response's first byte to them
        self._done: dict[tuple[str, str], tuple[datetime, timedelta]] = {}

    def verified_here(self, user: str, track: str, first_byte_at: datetime) -> bool:
        """Whether this process verified the play a response beginning at `first_byte_at` belongs to: nothing
        sent for it can change the record, so its merge is skipped (see the class)."""
        found = self._done.get((user, track))
        return found is not None and first_byte_at - found[0] < found[1]

    def _move(self, coords: Coordinates) -> tuple[list[str], list[str | int], list[float]] | None:
        """What `merge` and `merge_now` both need: `VERIFY`'s key, arguments and TTL; None when this process
        already verified the play (nothing sent for it can change the record)."""
        if self.verified_here(coords.user, coords.track, coords.first_byte_at):
            return None
        window_us = _window_us(coords.duration_ms)
        args = verify_args(
            _us(coords.first_byte_at),
            window_us,
            coords.rendition,
            coords.size,
            coords.duration_ms,
            VERIFY_MIN_MS,
            coords.spans,
        )
        return [_key(coords.user, coords.track)], args, [window_us / 1_000_000 + 3600]

    def _found(self, coords: Coordinates, reply: list[int]) -> Verified | None:
        """The record when the move just verified the play, remembered (see the class); else None."""
        status, at_us, heard = reply
        if status != DONE:
            return None
        key = (coords.user, coords.track)
        if key not in self._done and len(self._done) >= DONE_PLAYS:
            del self._done[next(iter(self._done))]
        self._done[key] = (
            _EPOCH + timedelta(microseconds=at_us),
            timedelta(microseconds=_window_us(coords.duration_ms)),
        )
        its_key = play_key(self._secret, user=coords.user, track=coords.track, first_us=at_us)
        return Verified(coords.user, coords.track, its_key, _EPOCH + timedelta(microseconds=at_us), heard)

    async def merge(self, coords: Coordinates) -> Verified | None:
        """The play's record once it first reaches 30 s; None before and after (a play verifies once)."""
        move = self._move(coords)
        if move is None:
            return None
        keys, args, ttl = move
        return self._found(coords, await self._state.arun(VERIFY, keys, args, ttl_s=ttl))

    def merge_now(self, coords: Coordinates) -> Verified | None:
        """`merge` from a worker thread (an MP3 transcode's blocking iterator)."""
        move = self._move(coords)
        if move is None:
            return None
        keys, args, ttl = move
        return self._found(coords, self._state.run(VERIFY, keys, args, ttl_s=ttl))

    async def unmark(self, verified: Verified, *, duration_ms: int) -> None:
        """Writing `verified` failed: the play is not done, so its next merge finds it verified again."""
        key, step, ttl = _unmark_step(verified, duration_ms)
        self._done.pop((verified.user, verified.track), None)
        await self._state.aupdate([key], step, ttl_s=[ttl])

    def unmark_now(self, verified: Verified, *, duration_ms: int) -> None:
        key, step, ttl = _unmark_step(verified, duration_ms)
        self._done.pop((verified.user, verified.track), None)
        self._state.update([key], step, ttl_s=[ttl])


def _unmark_step(
    verified: Verified, duration_ms: int
) -> tuple[str, Callable[[list[Doc | None]], tuple[list[Doc | None], None]], float]:
    at_us = _us(verified.first_byte_at)

    def step(docs: list[Doc | None]) -> tuple[list[Doc | None], None]:
        raw = docs[0]
        if raw is None or raw["at"] != at_us or not raw["done"]:
            return docs, None
        return [{**raw, "done": False}], None

    return _key(verified.user, verified.track), step, _window_us(duration_ms) / 1_000_000 + 3600


class StreamCount:
    """What one response sent of one track to one listener: kept locally (no shared-state write per block),
    merged into the play when it alone reaches 30 s and when it ends. `size` and the spans are bytes of a
    stored file, or milliseconds of an on-the-fly transcode (size = the track's length). The `_now` methods
    do the same from a worker thread (a transcode's blocking iterator)."""

    def __init__(
        self,
        verifier: StreamVerifier,
        *,
        user: str,
        track: str,
        rendition: str,
        size: int,
        duration_ms: int,
        now: Callable[[], datetime],
    ) -> None:
        self._verifier, self._user, self._track, self._rendition = verifier, user, track, rendition
        self._sent = SentSpans(size=size, duration_ms=duration_ms, now=now)
        self._merged = False

    def _add(self, start: int, end: int) -> bool:
        """Add a block sent; whether the play should be merged now (this response alone reached 30 s)."""
        heard = self._sent.add(start, end)
        return not self._merged and heard >= VERIFY_MIN_MS

    async def sent(self, start: int, end: int) -> Verified | None:
        return await self._merge() if self._add(start, end) else None

    def sent_now(self, start: int, end: int) -> Verified | None:
        return self._merge_now() if self._add(start, end) else None

    def _closes_unmerged(self) -> bool:
        """Whether the response's end merges its spans: it sent something, did not merge already, and its play
        is not one this process verified (checked here, before the merge's coordinates are built)."""
        first = self._sent.first
        return not (self._merged or first is None or self._verifier.verified_here(self._user, self._track, first))

    async def close(self) -> Verified | None:
        return await self._merge() if self._closes_unmerged() else None

    def close_now(self) -> Verified | None:
        return self._merge_now() if self._closes_unmerged() else None

    async def retry(self, verified: Verified) -> None:
        """Writing `verified` failed: the play is verified again by this response's next block or its end,
        or by a later response."""
        await self._verifier.unmark(verified, duration_ms=self._sent.duration_ms)
        self._merged = False

    def retry_now(self, verified: Verified) -> None:
        self._verifier.unmark_now(verified, duration_ms=self._sent.duration_ms)
        self._merged = False

    def _coordinates(self) -> Coordinates:
        self._merged = True
        sent = self._sent
        first = sent.first or sent.now()
        return Coordinates(self._user, self._track, sent.duration_ms, self._rendition, sent.size, sent.spans, first)

    async def _merge(self) -> Verified | None:
        return await self._verifier.merge(self._coordinates())

    def _merge_now(self) -> Verified | None:
        return self._verifier.merge_now(self._coordinates())


# The pg_advisory_xact_lock(int, int) namespace of the at-once count: "VS" and the listener's id
_AT_ONCE_LOCK = 0x5653


def _lock_listener(session: Session, *, user_id: int) -> None:
    """Hold this listener's recording lock until the transaction ends, on every worker and node (PostgreSQL):
    two recorders that each counted before the other's row was committed both passed the count (two nodes,
    parallel streams: 2-4 plays counted at once, the hostile probe of session 14). SQLite needs none: the
    count and the insert are one statement (below), run under its single writer's lock."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:c, :u)"), {"c": _AT_ONCE_LOCK, "u": user_id})


def _alongside(*, user_id: int, first_byte_at: datetime) -> ScalarSelect[int]:
    """How many counted plays of this listener began within VERIFY_MIN_MS of `first_byte_at` (up to AT_ONCE)."""
    window = timedelta(milliseconds=VERIFY_MIN_MS)
    near = (
        select(VerifiedStream.id)
        .where(
            VerifiedStream.user_id == user_id,
            VerifiedStream.first_byte_at > first_byte_at - window,
            VerifiedStream.first_byte_at < first_byte_at + window,
        )
        .limit(AT_ONCE)
    )
    return select(func.count()).select_from(near.subquery()).scalar_subquery()


@dataclass(frozen=True)
class Written:
    written: bool
    reason: str  # "written", "repeat_or_at_once", "unknown_listener_or_track", or why it is not paid (`paid_play`)


def _rekeyed_copy(*, track_id: int, first_byte_at: datetime) -> Exists:
    """The same play (track, first byte to the microsecond) already held de-identified and re-keyed: its hashed key
    is gone, so a copy arriving that late (an operator's retry of a record set aside, an edge log read again)
    would not meet it on `play_key` (`playback._forgotten`)."""
    return exists().where(
        VerifiedStream.track_id == track_id,
        VerifiedStream.first_byte_at == first_byte_at,
        VerifiedStream.play_key.startswith(REKEYED, autoescape=True),
    )


def _same_play(*, user_id: int, track_id: int, first_byte_at: datetime, duration_ms: int) -> Exists:
    """This listener's counted play of this track whose first byte lies within the play's window of `first_byte_at`
    (`VERIFY`'s rule: a play lasts its length, at least VERIFY_MIN_MS, from its first byte). The same play seen from
    another first byte: an edge log read again with the lines before a rotation once the shared state forgot the
    play (review25m F2), or a play whose state was lost mid-way. Two plays the state tells apart lie a window apart
    or more, so a real second play of the track is never met here."""
    window = timedelta(microseconds=_window_us(duration_ms))
    return exists().where(
        VerifiedStream.user_id == user_id,
        VerifiedStream.track_id == track_id,
        VerifiedStream.first_byte_at > first_byte_at - window,
        VerifiedStream.first_byte_at < first_byte_at + window,
    )


def play_held(session: Session, *, verified: Verified) -> bool:
    """Whether this play is recorded already: by its key, re-keyed (`playback._forgotten`: by track and first byte),
    or from another first byte (`_same_play`)."""
    if session.scalar(select(VerifiedStream.id).where(VerifiedStream.play_key == verified.play_key)) is not None:
        return True
    track = session.execute(select(Track.id, Track.duration_ms).where(Track.public_id == verified.track)).one_or_none()
    if track is None:
        return False
    user_id = session.scalar(select(User.id).where(User.public_id == verified.user))
    held = [_rekeyed_copy(track_id=track[0], first_byte_at=verified.first_byte_at)]
    if user_id is not None:
        held.append(
            _same_play(user_id=user_id, track_id=track[0], first_byte_at=verified.first_byte_at, duration_ms=track[1])
        )
    return bool(session.scalar(select(or_(*held))))


def record_verified_stream(session: Session, *, verified: Verified, verified_at: datetime | None = None) -> bool:
    """`write_verified_stream`, whether it was written."""
    return write_verified_stream(session, verified=verified, verified_at=verified_at).written


def write_verified_stream(session: Session, *, verified: Verified, verified_at: datetime | None = None) -> Written:
    """Write the record (once per play: a repeat is ignored) if the play is paid (`paid_play`: its track was
    published when it verified). Not written when the listener or track is gone, the play is not paid, it was
    already recorded (by its key, or from another first byte within the play's window: `_same_play`), or the
    listener already has AT_ONCE counted plays begun within VERIFY_MIN_MS of it. The
    count and the write are one step across processes: the listener's lock on PostgreSQL, then one INSERT ...
    SELECT whose count reads what every earlier holder committed (on SQLite that statement runs under the
    write lock; a SELECT before it would run outside any transaction, pysqlite's way).

    `verified_at`: when the play verified, for a reader that knows it later (an edge log's line, the time the
    outbox kept a record); None when it verified just now (the byte path: nothing after a withdrawal verifies,
    its URLs stop within a second) or at a time not kept: then the track's status now decides. Given, the
    release's status at that time decides, from its kept changes (`catalog.published_when`), however many came
    between."""
    user_id = session.scalar(select(User.id).where(User.public_id == verified.user))
    track = session.execute(
        select(Track.id, Track.status, Track.album_id, Album.taken_down_from, Track.duration_ms)
        .join(Album, Album.id == Track.album_id)
        .where(Track.public_id == verified.track)
    ).one_or_none()
    if user_id is None or track is None:
        return Written(False, "unknown_listener_or_track")
    track_id, status, album_id, taken_down_from, duration_ms = track
    then = None if verified_at is None else published_when(session, album_id=album_id, at=verified_at)
    paid = paid_play(
        status=status, taken_down=taken_down_from is not None, verified_at=verified_at, published_then=then
    )
    if not paid.paid:
        return Written(False, paid.reason)
    _lock_listener(session, user_id=user_id)
    alongside = _alongside(user_id=user_id, first_byte_at=verified.first_byte_at)
    row = select(
        literal(user_id, Integer),
        literal(track_id, Integer),
        literal(verified.play_key, String(64)),
        literal(verified.first_byte_at, UTCDateTime()),
        literal(verified.audio_ms, Integer),
    ).where(
        alongside < AT_ONCE,  # beside AT_ONCE others: more than one person can hear (or a replay)
        ~_rekeyed_copy(track_id=track_id, first_byte_at=verified.first_byte_at),
        ~_same_play(user_id=user_id, track_id=track_id, first_byte_at=verified.first_byte_at, duration_ms=duration_ms),
    )
    insert = sqlite_insert if session.get_bind().dialect.name == "sqlite" else pg_insert
    written = session.scalar(
        insert(VerifiedStream)
        .from_select(["user_id", "track_id", "play_key", "first_byte_at", "audio_ms"], row)
        .on_conflict_do_nothing(index_elements=["play_key"])
        .returning(VerifiedStream.id)  # (a driver's rowcount need not say whether the row was written)
    )
    return Written(True, "written") if written is not None else Written(False, "repeat_or_at_once")


def deidentify_verified_streams(
    session: Session,
    *,
    user_id: int,
    since: datetime | None,
    until: datetime,
    track_id: int | None = None,
    limit: int | None = None,
) -> int:
    """The listener forgot their plays in [since, until) (of one track, with `track_id`): their verified
    streams there stay as the label's financial record, but no longer name them. How many were; with `limit`,
    at most that many (a range's forget goes in chunks, each its own short transaction: review24 F8)."""
    where = [VerifiedStream.user_id == user_id, VerifiedStream.first_byte_at < until]
    if since is not None:
        where.append(VerifiedStream.first_byte_at >= since)
    if track_id is not None:
        where.append(VerifiedStream.track_id == track_id)
    if limit is not None:
        where = [VerifiedStream.id.in_(select(VerifiedStream.id).where(*where).limit(limit).scalar_subquery())]
    query = update(VerifiedStream).where(*where)
    done = session.execute(query.values(user_id=None).execution_options(synchronize_session=False))
    return int(getattr(done, "rowcount", 0) or 0)


@dataclass(frozen=True)
class OwnStream:
    """A verified stream as its listener sees it in their export: public ids and times only."""

    track: str
    first_byte_at: datetime
    audio_ms: int


def own_verified_streams(session: Session, *, user_id: int) -> Iterator[OwnStream]:
    query = (
        select(Track.public_id, VerifiedStream.first_byte_at, VerifiedStream.audio_ms)
        .join(Track, Track.id == VerifiedStream.track_id)
        .where(VerifiedStream.user_id == user_id)
        .order_by(VerifiedStream.first_byte_at, VerifiedStream.id)
    )
    with session.execute(query.execution_options(yield_per=1000)) as result:  # closed if the reader stops early
        for track, at, ms in result:
            yield OwnStream(track, at, ms)
