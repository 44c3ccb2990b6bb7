"""Closed monthly statements: stored once when an admin closes the month, never changed afterwards."""

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from encore.db import Base, UTCDateTime


class RoyaltyStatement(Base):
    __tablename__ = "royalty_statements"
    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7), unique=True)  # YYYY-MM
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    currency: Mapped[str] = mapped_column(String(3))
    ad_cents: Mapped[int] = mapped_column(BigInteger)
    subscription_cents: Mapped[int] = mapped_column(BigInteger)  # subscribers' money x payout share
    payout_share_pct: Mapped[int] = mapped_column(Integer)
    streams: Mapped[int] = mapped_column(BigInteger)
    user_centric_unallocated_cents: Mapped[int] = mapped_column(BigInteger)


class RoyaltyLine(Base):
    """One (label, primary artist) pair of a closed month; label and artist totals are sums of these.

    Names are copied, not joined: a renamed or deleted artist does not change a closed statement.
    """

    __tablename__ = "royalty_lines"
    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("royalty_statements.id", ondelete="CASCADE"), index=True)
    label_id: Mapped[int | None] = mapped_column(Integer, index=True)
    label_name: Mapped[str] = mapped_column(String(200))
    artist_public_id: Mapped[str] = mapped_column(String(22))
    artist_name: Mapped[str] = mapped_column(String(300))
    streams: Mapped[int] = mapped_column(BigInteger)
    pro_rata_cents: Mapped[int] = mapped_column(BigInteger)
    user_centric_cents: Mapped[int] = mapped_column(BigInteger)
