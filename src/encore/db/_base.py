"""Declarative base with a naming convention, so Alembic migrations get stable names."""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import MetaData
from sqlalchemy.engine.default import DefaultExecutionContext
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from encore.db._types import UTCDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def utcnow() -> datetime:
    return datetime.now(UTC)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


def inserted_values(context: DefaultExecutionContext) -> dict[str, Any]:
    """The values of the row being inserted, for a column default derived from the row's other columns (a
    context-sensitive default: SQLAlchemy calls it once per row, in an executemany too)."""
    return context.get_current_parameters()  # type: ignore[no-untyped-call, no-any-return]
