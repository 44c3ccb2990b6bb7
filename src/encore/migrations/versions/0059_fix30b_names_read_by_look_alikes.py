"""display names that read as another's by look-alike letters of other scripts are none chosen

Revision ID: fix30b_1
Revises: fix30a_1

Session 30 reads a name by its look-alikes too (`accounts._look_alike`: Unicode's confusable skeleton, UTS #39): a
Cyrillic "\u0410" in "Listener \u0410b12" reads as the neutral name of another account, and "b\u043ebby" (a Cyrillic
"\u043e") as the login "bobby". `accounts.chosen_name` now says so and `public_name` shows the account's own neutral
name, but a stored name kept its text, so the admin's search found the account by the imitated name or tag
(review29c L3's mismatch again). This upgrade applies the step of fixmisc28_1 and lead29_1 once more
(`encore.migrations._unchosen_names`: cleared, each as the listener's own audit event). Only data changes; the
downgrade keeps it ("" is none chosen to any older code).
"""

from collections.abc import Sequence

from alembic import op

from encore.migrations._unchosen_names import clear_unchosen_names

revision: str = "fix30b_1"
down_revision: str | None = "fix30a_1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    clear_unchosen_names(op.get_bind())


def downgrade() -> None:
    pass
