"""Verified streams: Encore's own record that at least 30 s of a track's audio was sent to a listener.

Money follows server facts: label dashboards and royalty statements count these rows only. A row is
written by the byte path, never by a client's report (play reports, scrobbles, ListenBrainz submissions
and imports feed history and Wrapped only). This module is the record itself: its table, the play it names
(`Verified`), its key and the play's window. What was sent is merged into the play on the shared state by
`_verifier`; a record is written once per play by `_verified_write`; the listener's own rows are read and
de-identified by `_verified_own`.
"""

import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from encore.db import Base, UTCDateTime

VERIFY_MIN_MS = 30_000  # a stream counts once 30 s of its audio were sent, once per play
# One listener hears one track at a time: of the verified plays whose first bytes lie within VERIFY_MIN_MS of
# each other, at most this many count (the track playing and the next one, fetched near its end). A Premium
# account downloading six tracks at once made six paid streams in 0.8 s (the hostile review, session 12).
AT_ONCE = 2
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


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
class Verified:
    user: str  # public ids, as the signed URL names them
    track: str
    play_key: str
    first_byte_at: datetime
    audio_ms: int
    # When an outbox kept it (read back by a drain; None for a play written as it verifies): about when it verified,
    # kept beside the record, never in it (`_outbox`). Not part of the record's identity.
    kept_at: datetime | None = field(default=None, compare=False)


def epoch_us(at: datetime) -> int:
    """`at` as the shared state's integers: microseconds since the epoch."""
    return (at - EPOCH) // timedelta(microseconds=1)


def play_window_us(duration_ms: int) -> int:
    """How long one play lasts from its first byte, in microseconds: the track's length, at least VERIFY_MIN_MS
    (parallel requests, seeks and re-reads within it count once)."""
    return max(duration_ms, VERIFY_MIN_MS) * 1000


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
