"""signing keys remember whether nginx is known to hold them (edge mode)

Revision ID: keys21_1
Revises: money20_1

`encore keys rotate` made the new key sign edge URLs within 30 s, before the operator had put it in nginx's
config: every new Premium stream got 403 until nginx was reloaded (probe21b F1). A key is now published to nginx
first and signs edge URLs only once `encore keys edge-ready` saw nginx accept it. Keys from before were in the
configs printed so far, so they count as held (their creation time); the downgrade drops the column.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "keys21_1"
down_revision: str | None = "money20_1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("signing_keys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("edge_ready_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE signing_keys SET edge_ready_at = created_at")


def downgrade() -> None:
    with op.batch_alter_table("signing_keys", schema=None) as batch_op:
        batch_op.drop_column("edge_ready_at")
