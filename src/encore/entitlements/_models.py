"""Subscriptions, redeemable codes, ad campaigns, impressions and each free listener's ad clock."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from encore.db import Base, TimestampMixin, UTCDateTime
from encore.kernel import new_public_id


class Subscription(TimestampMixin, Base):
    """One row per user who ever had Premium; the dates decide, the state only explains."""

    __tablename__ = "subscriptions"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    plan: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(10))
    provider: Mapped[str] = mapped_column(String(16), default="manual")
    provider_customer_id: Mapped[str | None] = mapped_column(String(100), unique=True)
    trial_end: Mapped[datetime | None] = mapped_column(UTCDateTime())
    period_end: Mapped[datetime | None] = mapped_column(UTCDateTime())
    canceled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    provider_subscription_id: Mapped[str | None] = mapped_column(String(100))
    # `created` of the newest provider event applied: an older event arriving later never rolls state back.
    provider_event_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class BillingCustomer(TimestampMixin, Base):
    """The payment provider's customer for a user. Only Encore makes this link (when it opens a checkout),
    so a webhook naming a customer id can only ever move the account Encore bound that id to."""

    __tablename__ = "billing_customers"
    __table_args__ = (
        UniqueConstraint("provider", "customer_id", name="uq_billing_customers_provider_customer_id"),
        UniqueConstraint("provider", "user_id", name="uq_billing_customers_provider_user_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    provider: Mapped[str] = mapped_column(String(16))
    customer_id: Mapped[str] = mapped_column(String(100))


class ProcessedEvent(Base):
    """Webhook event ids already applied: a replayed or retried delivery counts once."""

    __tablename__ = "processed_provider_events"
    __table_args__ = (UniqueConstraint("provider", "event_id", name="uq_processed_provider_events_provider_event_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(16))
    event_id: Mapped[str] = mapped_column(String(100))
    event_type: Mapped[str] = mapped_column(String(100))
    outcome: Mapped[str] = mapped_column(String(40))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())


class RedeemCode(TimestampMixin, Base):
    """A code an admin hands out; only its SHA-256 is stored, and it works once."""

    __tablename__ = "redeem_codes"
    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    plan: Mapped[str] = mapped_column(String(32))
    days: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    redeemed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    redeemed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


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
    """An ad URL handed to a listener; it becomes an impression once, when it has played through."""

    __tablename__ = "ad_breaks"
    __table_args__ = (Index("ix_ad_breaks_user_issued", "user_id", "issued_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(22), unique=True, default=new_public_id)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    campaign_id: Mapped[int] = mapped_column(ForeignKey("ad_campaigns.id", ondelete="CASCADE"), index=True)
    duration_ms: Mapped[int] = mapped_column(Integer)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


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
