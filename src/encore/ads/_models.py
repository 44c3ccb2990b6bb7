"""Ad campaigns and the ad breaks handed to listeners (impressions once played through)."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from encore.db import Base, TimestampMixin, UTCDateTime
from encore.kernel import new_public_id


class AdCampaign(TimestampMixin, Base):
    __tablename__ = "ad_campaigns"
    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(22), unique=True, default=new_public_id)
    advertiser: Mapped[str] = mapped_column(String(200))
    # The ad's audio is a track ingested through the normal pipeline.
    track_id: Mapped[int] = mapped_column(ForeignKey("tracks.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    budget_impressions: Mapped[int] = mapped_column(Integer)
    cpm_cents: Mapped[int] = mapped_column(Integer)
    genres: Mapped[str] = mapped_column(String(500), default="")  # comma-separated, lower case; "" = any
    hour_from: Mapped[int | None] = mapped_column(Integer)
    hour_to: Mapped[int | None] = mapped_column(Integer)
    freq_cap_per_day: Mapped[int] = mapped_column(Integer, default=6)
    impressions: Mapped[int] = mapped_column(Integer, default=0)


class AdBreak(Base):
    """An ad URL handed to a listener; it becomes an impression once, when it has played through. An
    impression outlives its listener's account (user_id NULL): it is money labels earned."""

    __tablename__ = "ad_breaks"
    __table_args__ = (Index("ix_ad_breaks_user_issued", "user_id", "issued_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(22), unique=True, default=new_public_id)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    campaign_id: Mapped[int] = mapped_column(ForeignKey("ad_campaigns.id", ondelete="CASCADE"), index=True)
    duration_ms: Mapped[int] = mapped_column(Integer)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
