"""Buy-link clicks, counted for labels (one row per listener or client, item and day; labels read sums)."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from encore.db import Base, UTCDateTime


class BuyClick(Base):
    __tablename__ = "buy_clicks"
    __table_args__ = (
        Index("ix_buy_clicks_label_at", "label_id", "at"),
        Index("ux_buy_clicks_dedup_key", "dedup_key", unique=True),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    kind: Mapped[str] = mapped_column(String(5))  # album | track
    album_id: Mapped[int] = mapped_column(ForeignKey("albums.id", ondelete="CASCADE"), index=True)
    track_id: Mapped[int | None] = mapped_column(ForeignKey("tracks.id", ondelete="CASCADE"))
    label_id: Mapped[int | None] = mapped_column(ForeignKey("labels.id", ondelete="SET NULL"))
    retailer: Mapped[str] = mapped_column(String(40))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # SHA-256 of (listener or client, item, UTC day): the second click of the day is not counted (#15)
    dedup_key: Mapped[str | None] = mapped_column(String(64))
