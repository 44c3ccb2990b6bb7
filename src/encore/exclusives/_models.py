"""Premium exclusives a label attaches to its own artists and albums."""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from encore.db import Base, TimestampMixin, UTCDateTime
from encore.kernel import new_public_id


class Exclusive(TimestampMixin, Base):
    """Premium content a label attaches to one of its artists or albums: interview, demo, pre-release, gallery."""

    __tablename__ = "exclusives"
    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(22), unique=True, default=new_public_id)
    kind: Mapped[str] = mapped_column(String(12))  # interview | demo | prerelease | gallery
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(String(2000), default="")
    label_id: Mapped[int] = mapped_column(ForeignKey("labels.id", ondelete="CASCADE"), index=True)
    artist_id: Mapped[int | None] = mapped_column(ForeignKey("artists.id", ondelete="CASCADE"), index=True)
    album_id: Mapped[int | None] = mapped_column(ForeignKey("albums.id", ondelete="CASCADE"), index=True)
    # Audio (interview, demo, pre-release) is a track ingested through the normal pipeline.
    track_id: Mapped[int | None] = mapped_column(ForeignKey("tracks.id", ondelete="SET NULL"), unique=True)
    availability: Mapped[str] = mapped_column(String(10), default="premium")
    release_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
