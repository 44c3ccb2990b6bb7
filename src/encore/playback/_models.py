"""Each free listener's ad clock as stored (the book in memory is written behind to it)."""

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from encore.db import Base, UTCDateTime


class AdClockRow(Base):
    """Per listener, not per device or tab: every client of one account shares this clock."""

    __tablename__ = "ad_clocks"
    __table_args__ = (UniqueConstraint("user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    listened_ms: Mapped[int] = mapped_column(Integer, default=0)
    last_track_id: Mapped[int | None] = mapped_column(Integer)
    last_issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_duration_ms: Mapped[int] = mapped_column(Integer, default=0)
    last_ad_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Audio of the last track already charged from what the byte path sent (see _clockbook).
    last_served_ms: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
