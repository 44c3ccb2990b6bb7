"""a display name that is the login name is no chosen name

Revision ID: fixtrust26_1
Revises: fixlast24_1

Sign-up in the web player and `encore user create` sent no display name, and the account stored its username as
one: every face that shows another listener's name (Subsonic's playlist owners, the share page, /v1's and the
player's owners and profiles) handed out login names, a ready list for password guessing (review26a M1). An
account now keeps "" until its listener chooses a name (Settings, PATCH /api/me), and others see
`accounts.public_name`'s neutral one ("Listener" and the start of the public id). This upgrade says so of the
accounts made before: a display name equal to the username is "". Only data changes: the column stays NOT NULL
(a NULL would need `users` rebuilt on SQLite, the table every other refers to, erase18_1's risk, for no gain over
""). `public_name` reads such a row as unchosen too (any case), so the rule holds with or without this step; it
keeps the data saying what the listener chose. The downgrade gives "" back the username, as the older code
stored it (that code shows it to others again, as it did).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "fixtrust26_1"
down_revision: str | None = "fixlast24_1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("UPDATE users SET display_name = '' WHERE display_name = username")


def downgrade() -> None:
    op.execute("UPDATE users SET display_name = username WHERE display_name = ''")
