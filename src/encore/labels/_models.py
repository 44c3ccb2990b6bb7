"""Closed monthly statements: stored once when an admin closes the month, never changed afterwards."""

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint, false
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
    # Whether the close kept which payment brought what (`RoyaltyCountedPayment`): only such a month can have
    # money that arrives after it carried into a later statement (months closed before money22_1 cannot).
    payments_counted: Mapped[bool] = mapped_column(Boolean, default=True, server_default=false())


class _PairFigures:
    """A (label, primary artist) pair's figures, as a line of a statement or of an adjustment holds them."""

    label_id: Mapped[int | None] = mapped_column(Integer, index=True)
    label_name: Mapped[str] = mapped_column(String(200))
    artist_public_id: Mapped[str] = mapped_column(String(22))
    artist_name: Mapped[str] = mapped_column(String(300))
    streams: Mapped[int] = mapped_column(BigInteger)
    pro_rata_cents: Mapped[int] = mapped_column(BigInteger)
    user_centric_cents: Mapped[int] = mapped_column(BigInteger)


class RoyaltyLine(_PairFigures, Base):
    """One (label, primary artist) pair of a closed month; label and artist totals are sums of these.

    Names are copied, not joined: a renamed or deleted artist does not change a closed statement.
    """

    __tablename__ = "royalty_lines"
    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("royalty_statements.id", ondelete="CASCADE"), index=True)


class RoyaltyCountedPayment(Base):
    """What one payment had brought for a closed month (its amount kept after refunds), and what a later
    statement carried for it: the month's own close writes one row per payment, and each later close that
    carries late money for the month (a payment that arrived after it closed, a refund of one it counted)
    writes the difference. A payment's counted total for a month is the sum of its rows; what is new is
    what it holds now less that sum, so a webhook redelivered or a statement recomputed carries nothing twice.
    """

    __tablename__ = "royalty_counted_payments"
    __table_args__ = (
        UniqueConstraint("statement_id", "month", "payment_id", name="uq_royalty_counted_payments_statement_month"),
        Index("ix_royalty_counted_payments_month_payment", "month", "payment_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("royalty_statements.id", ondelete="CASCADE"))
    month: Mapped[str] = mapped_column(String(7))  # the closed month the money is for
    payment_id: Mapped[int] = mapped_column(ForeignKey("subscription_payments.id", ondelete="CASCADE"))
    kept_cents: Mapped[int] = mapped_column(BigInteger)  # the payment's whole amount kept, or a change of it


class RoyaltyAdjustment(Base):
    """Money for a month already closed, carried into the statement that was the first open one after it:
    the closed month's subscribers' money (times its payout share) that arrived late, or a refund of it
    (negative). Its lines split it by the closed month's own streams."""

    __tablename__ = "royalty_adjustments"
    __table_args__ = (UniqueConstraint("statement_id", "for_month", name="uq_royalty_adjustments_statement_month"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("royalty_statements.id", ondelete="CASCADE"), index=True)
    for_month: Mapped[str] = mapped_column(String(7))
    subscription_cents: Mapped[int] = mapped_column(BigInteger)
    user_centric_unallocated_cents: Mapped[int] = mapped_column(BigInteger)


class RoyaltyAdjustmentLine(_PairFigures, Base):
    """One (label, primary artist) pair's part of a carried adjustment; `streams` are the closed month's."""

    __tablename__ = "royalty_adjustment_lines"
    id: Mapped[int] = mapped_column(primary_key=True)
    adjustment_id: Mapped[int] = mapped_column(ForeignKey("royalty_adjustments.id", ondelete="CASCADE"), index=True)
