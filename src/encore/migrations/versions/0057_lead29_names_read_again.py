"""display names the rule now reads as another's are none chosen, on databases already past fixmisc28_1

Revision ID: lead29_1
Revises: fix29a_1

Session 29 read a name's shape as it is drawn (review29a M1, L4; review29c L2): a blank letter or a separator where
the space goes ("Listener\u2800jO4M") reads as the neutral name of another account, and a look-alike bracket as a
tag. `accounts.chosen_name` now says so, and `public_name` shows the account's own neutral name for such a name; but
a database already past fixmisc28_1 kept the text in the column, so the admin's search found the account by the
imitated tag and not by its own (review29c L3: the review27c L2 mismatch fixmisc28_1 ended). This upgrade applies the
same step again (`encore.migrations._unchosen_names`: cleared, each as the listener's own audit event). Only data
changes; the downgrade keeps it ("" is none chosen to any older code).
"""

from collections.abc import Sequence

from alembic import op

from encore.migrations._unchosen_names import clear_unchosen_names

revision: str = "lead29_1"
down_revision: str | None = "fix29a_1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    clear_unchosen_names(op.get_bind())


def downgrade() -> None:
    pass
