"""One row of lyrics per track: its lines as JSON, where they came from, and their language."""

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from encore.db import Base, UTCDateTime, utcnow


class TrackLyrics(Base):
    __tablename__ = "track_lyrics"
    id: Mapped[int] = mapped_column(primary_key=True)
    track_id: Mapped[int] = mapped_column(ForeignKey("tracks.id", ondelete="CASCADE"), unique=True)
    synced: Mapped[bool] = mapped_column(Boolean)
    language: Mapped[str] = mapped_column(String(3))
    offset_ms: Mapped[int] = mapped_column(Integer, default=0)
    source: Mapped[str] = mapped_column(String(10))  # sidecar | embedded | label
    lines: Mapped[str] = mapped_column(Text)  # JSON [[start_ms or null, text], ...]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
