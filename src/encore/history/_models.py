"""Every playback, kept raw. History, Wrapped, royalty counting and ad pacing all read this table."""

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from encore.db import Base, UTCDateTime


class Play(Base):
    __tablename__ = "plays"
    __table_args__ = (
        UniqueConstraint("user_id", "client_play_id"),
        Index("ix_plays_user_started", "user_id", "started_at"),
        Index("ix_plays_track_started", "track_id", "started_at"),
    )
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # Client-made id: the same report sent twice is one play.
    client_play_id: Mapped[str] = mapped_column(String(64))
    track_id: Mapped[int | None] = mapped_column(ForeignKey("tracks.id", ondelete="SET NULL"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ms_played: Mapped[int] = mapped_column(Integer, default=0)
    state: Mapped[str] = mapped_column(String(10), default="started")  # started | playing | ended | skipped
    context_type: Mapped[str | None] = mapped_column(String(16))
    context_id: Mapped[str | None] = mapped_column(String(64))
    device: Mapped[str | None] = mapped_column(String(100))
    shuffle: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(String(16), default="web")
    # The ListenBrainz rule, decided by history.counts_as_listen when the play is reported.
    is_listen: Mapped[bool] = mapped_column(Boolean, default=False)
