"""money14b_1 down and up again, on SQLite and PostgreSQL: kept refunds and deleted accounts' billing customers
go down with it (the older schema cannot hold them); what was already taken off a payment stays taken off."""

from datetime import UTC, datetime

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import delete, inspect, text

from encore.accounts import User, create_user
from encore.billing import BillingCustomer, Payment, PaymentRefund
from encore.bootstrap import Container
from encore.db import transaction
from encore.db._migrate import alembic_config


def _migrate(c: Container, *, to: str) -> None:
    cfg = alembic_config()
    with c.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        (command.downgrade if to != "head" else command.upgrade)(cfg, to)


def test_down_and_up_again_with_a_deleted_accounts_customer(container: Container) -> None:
    at = datetime(2026, 11, 1, tzinfo=UTC)
    with transaction(container.sessions) as s:
        for name in ("fan", "gone"):
            user = create_user(s, username=name, password="listener-pass-1")
            s.add(BillingCustomer(user_id=user.id, provider="stripe", customer_id=f"cus_{name}"))
            s.add(
                Payment(
                    user_id=user.id, provider="stripe", reference=f"in_{name}", customer_id=f"cus_{name}",
                    period_start=at, period_end=at.replace(month=12), amount_cents=999, refunded_cents=100,
                    currency="EUR", paid_at=at,
                )
            )  # fmt: skip
        s.add(PaymentRefund(provider="stripe", reference="ch_1", charge_id="ch_1", refunded_cents=100))
        s.flush()
        s.execute(delete(User).where(User.username == "gone"))
    with container.engine.connect() as conn:
        head = ScriptDirectory.from_config(alembic_config()).get_current_head()
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == head
        assert conn.execute(text("SELECT count(*) FROM billing_customers")).scalar() == 2  # SET NULL: kept
    _migrate(container, to="money14_1")
    with container.engine.connect() as conn:
        assert "payment_refunds" not in inspect(conn).get_table_names()
        assert conn.execute(text("SELECT customer_id FROM billing_customers")).scalars().all() == ["cus_fan"]
        user_id = next(c for c in inspect(conn).get_columns("billing_customers") if c["name"] == "user_id")
        assert user_id["nullable"] is False
        fks = [fk["options"].get("ondelete") for fk in inspect(conn).get_foreign_keys("billing_customers")]
        assert [d.upper() for d in fks if d] == ["CASCADE"]
        columns = {c["name"] for c in inspect(conn).get_columns("subscription_payments")}
        assert not columns & {"customer_id", "invoice_paid_cents"}
        assert tuple(conn.execute(text("SELECT count(*), sum(refunded_cents) FROM subscription_payments")).one()) == (
            2,
            200,
        )
    _migrate(container, to="head")
    with container.engine.connect() as conn:
        rows = conn.execute(text("SELECT reference, customer_id FROM subscription_payments ORDER BY reference"))
        assert [tuple(r) for r in rows] == [("in_fan", "cus_fan"), ("in_gone", None)]  # backfilled where known
        assert conn.execute(text("SELECT count(*) FROM payment_refunds")).scalar() == 0
        fks = [fk["options"].get("ondelete") for fk in inspect(conn).get_foreign_keys("billing_customers")]
        assert [d.upper() for d in fks if d] == ["SET NULL"]
