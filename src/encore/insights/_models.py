"""Stored Wrapped snapshots (one per listener and period) and the share links that make one public."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from encore.db import Base, UTCDateTime
from encore.history import Play, RollupTrack


class WrappedSnapshot(Base):
    __tablename__ = "wrapped_snapshots"
    __table_args__ = (UniqueConstraint("user_id", "period"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(8))  # "2024" or "2020s"
    built_at: Mapped[datetime] = mapped_column(UTCDateTime())
    listens: Mapped[int] = mapped_column(Integer, default=0)
    data: Mapped[str] = mapped_column(Text)  # the typed Snapshot as JSON (insights._snapshot)


class WrappedShare(Base):
    """A revocable public link to one Wrapped; only the SHA-256 of its token is stored."""

    __tablename__ = "wrapped_shares"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    period: Mapped[str] = mapped_column(String(8))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class WrappedTally(Base):
    """One listener's finished tally of one year, merged for a decade, or of one month, merged for a year
    (insights._year_tally): `year` holds the year (2024) or the month as yyyymm (202403).

    A fold that changes a month's rollups empties the `data` of that month and of its year and bumps their
    `version`s in its own transaction; a tally is saved only over the version it was built after, so one built
    from rollups a fold changed meanwhile is dropped instead of stored."""

    __tablename__ = "wrapped_tallies"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)  # or a month, yyyymm
    version: Mapped[int] = mapped_column(Integer, default=0)
    data: Mapped[str | None] = mapped_column(Text)  # JSON (insights._year_tally.YearTally), NULL when stale


# Wrapped reads a listener's plays in a time range and needs only these columns: with them all in one
# index, SQLite and PostgreSQL answer from the index alone (no table lookups for 200,000-play decades).
Index("ix_plays_wrapped", Play.user_id, Play.started_at, Play.is_listen, Play.track_id, Play.ms_played)

# The top artist's percentile sums everyone's rollups of that artist's tracks in the period: reached by track
# through this index alone, instead of scanning every listener's rollups (~260 ms of a 300 ms decade, #17).
Index("ix_rollup_tracks_track", RollupTrack.track_id, RollupTrack.month, RollupTrack.user_id, RollupTrack.listens)
