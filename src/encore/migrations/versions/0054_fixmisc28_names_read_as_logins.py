"""a display name that reads as the login is no chosen name

Revision ID: fixmisc28_1
Revises: fixapi26_1

Session 27 made `accounts.public_name` read a display name as the login when it is the login once compatibility
forms are folded and what draws nothing is dropped ("alice\u200b", fullwidth "\uff41\uff4c\uff49\uff43\uff45": `as_login`), and show
the neutral "Listener ab12" for it. Names stored before that rule kept their text, and the admin's search, which
cannot fold Unicode in SQL on either database, matched them as chosen names while its own table showed the neutral
one (review27c L2). New accounts store "" for such a name (`accounts.chosen_name`); this upgrade says so of the
older ones, with the same function (imported, not copied: the rule `public_name` reads with is the one applied).
Only data changes. The downgrade changes nothing: the text cleared was shown to no one (`public_name` showed the
neutral name for it), and any older code reads "" as none chosen (fixtrust26_1), showing the neutral name too.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "fixmisc28_1"
down_revision: str | None = "fixapi26_1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    from encore.accounts import chosen_name

    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, username, display_name FROM users WHERE display_name <> ''")).all()
    cleared = [{"id": user_id} for user_id, username, shown in rows if not chosen_name(shown, username=username)]
    if cleared:
        bind.execute(sa.text("UPDATE users SET display_name = '' WHERE id = :id"), cleared)


def downgrade() -> None:
    pass
