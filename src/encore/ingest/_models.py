"""What ingest has seen: one row per source file, so a re-scan of an unchanged tree does no work."""

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from encore.db import Base, UTCDateTime, utcnow


class SourceFile(Base):
    __tablename__ = "source_files"
    id: Mapped[int] = mapped_column(primary_key=True)
    path: Mapped[str] = mapped_column(String(4096), unique=True)
    size: Mapped[int] = mapped_column(BigInteger)
    mtime_ns: Mapped[int] = mapped_column(BigInteger)
    audio_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    track_id: Mapped[int | None] = mapped_column(ForeignKey("tracks.id", ondelete="SET NULL"), index=True)
    status: Mapped[str] = mapped_column(String(10))  # imported | duplicate | failed
    error: Mapped[str | None] = mapped_column(Text)
    label_name: Mapped[str | None] = mapped_column(String(200))
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
