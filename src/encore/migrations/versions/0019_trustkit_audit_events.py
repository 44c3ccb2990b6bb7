"""audit log: one row per security event (who, whose account, what, from where)

Revision ID: trustkit_1
Revises: discovery_1
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "trustkit_1"
down_revision: str | None = "discovery_1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
        sa.Column("subject_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("client_ip", sa.String(64), nullable=False),
        sa.Column("user_agent", sa.String(300), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
    )
    op.create_index("ix_audit_events_at", "audit_events", ["at"])
    op.create_index("ix_audit_events_subject_at", "audit_events", ["subject_id", "at"])
    op.create_index("ix_audit_events_actor_at", "audit_events", ["actor_id", "at"])
    op.create_index("ix_audit_events_kind_at", "audit_events", ["kind", "at"])


def downgrade() -> None:
    op.drop_table("audit_events")
