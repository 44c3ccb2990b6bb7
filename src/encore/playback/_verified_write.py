"""Writing a verified stream: once per play, only if it is paid, and at most AT_ONCE of a listener's plays begun
together. The one step every writer takes (the byte path, the outbox's drain, the edge log), whose name a stream
carries being `bootstrap.write_verified`'s."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Exists, Integer, ScalarSelect, String, exists, func, literal, or_, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from encore.accounts import User
from encore.catalog import Album, Track, published_when
from encore.db import UTCDateTime
from encore.playback._paid import paid_play
from encore.playback._verified import AT_ONCE, REKEYED, VERIFY_MIN_MS, Verified, VerifiedStream, play_window_us

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
    window = timedelta(microseconds=play_window_us(duration_ms))
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
