"""Premium exclusives a label attaches to its own artists and albums, and a gallery's images."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
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
    # A withdrawn exclusive is listed nowhere, its URLs answer 404 and it locks its track no more: the track is
    # again what the label's catalogue says (a public track of a published album, which the portal offers, went
    # back to free listeners; audio meant to stay Premium lives on a Premium release, as the demo's extras do).
    # It keeps `track_id` as a record until another exclusive takes the track (probe20 F2).
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ExclusiveImage(Base):
    """One picture of a gallery exclusive. The files live under the store's `exclusives/` top, which no
    public route serves: every byte goes through the entitlement check."""

    __tablename__ = "exclusive_images"
    __table_args__ = (UniqueConstraint("exclusive_id", "position"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    exclusive_id: Mapped[int] = mapped_column(ForeignKey("exclusives.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column()
    image_key: Mapped[str] = mapped_column(String(64))  # SHA-256 of the uploaded bytes
    caption: Mapped[str] = mapped_column(String(200), default="")
