"""a display name that reads as the login is no chosen name

Revision ID: fixmisc28_1
Revises: fixapi26_1

Session 27 made `accounts.public_name` read a display name as the login when it is the login once compatibility
forms are folded and what draws nothing is dropped ("alice\u200b", fullwidth "\uff41\uff4c\uff49\uff43\uff45": `as_login`), and show
the neutral "Listener ab12" for it. Names stored before that rule kept their text, and the admin's search, which
cannot fold Unicode in SQL on either database, matched them as chosen names while its own table showed the neutral
one (review27c L2). New accounts store "" for such a name (`accounts.chosen_name`); this upgrade says so of the
older ones, with the same function (imported, not copied: the rule `public_name` reads with is the one applied).
Only data changes. The downgrade changes nothing: any older code reads "" as none chosen (fixtrust26_1), showing the
neutral name too.

Not every name cleared was shown to no one (review29a L2): a name that reads as another account's neutral name
("Listener Anna", lead28's `looks_neutral`) was shown as chosen before session 28, whether or not an account had that
tag. So each name cleared is written to the audit log as the listener's own display-name change (old: the text, new:
none chosen): the listener sees it among their account's events, and the operator can read the text back
(`encore.migrations._unchosen_names`, lead29_1's step too).
"""

from collections.abc import Sequence

from alembic import op

from encore.migrations._unchosen_names import clear_unchosen_names

revision: str = "fixmisc28_1"
down_revision: str | None = "fixapi26_1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    clear_unchosen_names(op.get_bind())


def downgrade() -> None:
    pass
