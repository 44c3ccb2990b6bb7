"""display names stored as towers of combining marks are none chosen

Revision ID: fix31b_1
Revises: fix30b_1

Session 31 caps the combining marks one letter of a shown name may carry (`kernel.MAX_STACKED_MARKS`, review31a L2):
"a" and 99 stacked accents was taken by sign-up and Settings and drew a tower over the rows around it on every face
that shows the name. `accounts.chosen_name` reads such a stored name as none chosen now (the account's neutral name
is shown), and this upgrade clears the text as fix30b_1 did, so the admin's search finds the account by the name the
faces show (`encore.migrations._unchosen_names`: cleared, each as the listener's own audit event, its text kept
there for the operator). Only data changes; the downgrade keeps it ("" is none chosen to any older code).
"""

from collections.abc import Sequence

from alembic import op

from encore.migrations._unchosen_names import clear_unchosen_names

revision: str = "fix31b_1"
down_revision: str | None = "fix30b_1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    clear_unchosen_names(op.get_bind())


def downgrade() -> None:
    pass
