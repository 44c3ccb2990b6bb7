"""the key id each app password is sealed under

Revision ID: fixkeys24_1
Revises: fixart23_1

A Fernet token does not say which key sealed it, so a server whose kept keyring opened no stored app password
could not tell a rotation it had not read yet (the password is right, under a newer key) from a wrong password,
and read the keyring again at most once a second: for up to a second after `encore keys rotate`, phones got
error 40. The seal's key id is now stored beside it: a seal under a key newer than the kept ones makes the server
read the keyring at once. Rows sealed before this column are NULL (which key is not known without the server
secret); `encore keys rotate` reseals every row and records its key. The downgrade drops the column.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "fixkeys24_1"
down_revision: str | None = "fixart23_1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("devices") as batch:
        batch.add_column(sa.Column("app_password_kid", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("devices") as batch:
        batch.drop_column("app_password_kid")
