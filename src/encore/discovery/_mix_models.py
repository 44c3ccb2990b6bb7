"""What the mix jobs store: each listener's Daily Mixes, Discover Weekly and Release Radar."""

import json
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from encore.db import Base, UTCDateTime
from encore.kernel import new_public_id


class Mix(Base):
    """One mix of one listener, kept in its slot ((kind, slot) is stable across rebuilds, so its address and
    its "saved as" playlist survive a refresh that does not change it). `track_ids` are row ids, best first,
    as JSON text. Discover and Release Radar always have a row once built (empty when nothing qualifies):
    no Discover row means this listener's mixes were never built."""

    __tablename__ = "discovery_mixes"
    __table_args__ = (UniqueConstraint("user_id", "kind", "slot"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    public_id: Mapped[str] = mapped_column(String(22), unique=True, default=new_public_id)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))  # daily | discover | radar
    slot: Mapped[int] = mapped_column(Integer)  # 1-6 for Daily Mixes, 1 for the others
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(String(500))
    track_ids: Mapped[str] = mapped_column(Text)
    built_at: Mapped[datetime] = mapped_column(UTCDateTime())
    saved_playlist: Mapped[str | None] = mapped_column(String(22), nullable=True)  # public id, once saved

    @property
    def tracks(self) -> list[int]:
        return [int(t) for t in json.loads(self.track_ids)]
