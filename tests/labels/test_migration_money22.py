"""money22_1 down and up again, on SQLite and PostgreSQL: a month closed before it kept no record of what each
payment brought it, so it comes back marked as such and carries no late money (all its money would look late)."""

from datetime import UTC, datetime

from alembic import command
from sqlalchemy import inspect, select

from encore.bootstrap import Container
from encore.db import transaction
from encore.db._migrate import alembic_config
from encore.labels import RoyaltyCountedPayment, RoyaltyStatement, close_month, compute_month
from tests.labels.world import AFTER, MONTH, TERMS, build


def _migrate(c: Container, *, to: str) -> None:
    cfg = alembic_config()
    with c.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        (command.downgrade if to != "head" else command.upgrade)(cfg, to)


def test_a_month_closed_before_the_migration_comes_back_carrying_nothing(container: Container) -> None:
    with transaction(container.sessions) as s:
        build(s)
        close_month(s, month=MONTH, terms=TERMS, admin_id=1, now=AFTER)
        assert s.scalar(select(RoyaltyStatement.payments_counted)) is True
    _migrate(container, to="keys21_1")
    with container.engine.connect() as conn:
        tables = set(inspect(conn).get_table_names())
        assert not tables & {"royalty_counted_payments", "royalty_adjustments", "royalty_adjustment_lines"}
        assert "payments_counted" not in {c["name"] for c in inspect(conn).get_columns("royalty_statements")}
    _migrate(container, to="head")
    with transaction(container.sessions) as s:
        assert s.scalar(select(RoyaltyStatement.payments_counted)) is False
        assert s.scalar(select(RoyaltyCountedPayment.id)) is None
        # Without the record, November's whole 42.00 would look late: December carries none of it.
        assert compute_month(s, month="2026-12", terms=TERMS).adjustments == []
        assert close_month(s, month="2026-12", terms=TERMS, admin_id=1, now=datetime(2027, 1, 5, tzinfo=UTC))
