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
none chosen): the listener sees it among their account's events, and the operator can read the text back.
"""

import json
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from encore.db import UTCDateTime

revision: str = "fixmisc28_1"
down_revision: str | None = "fixapi26_1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    from encore.accounts import chosen_name

    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, username, display_name FROM users WHERE display_name <> ''")).all()
    cleared = [(user_id, shown) for user_id, username, shown in rows if not chosen_name(shown, username=username)]
    if not cleared:
        return
    bind.execute(sa.text("UPDATE users SET display_name = '' WHERE id = :id"), [{"id": i} for i, _ in cleared])
    now = datetime.now(UTC)
    events = [
        {"at": now, "actor_id": None, "subject_id": user_id, "kind": CHANGED, "client_ip": "", "user_agent": "",
         "details": json.dumps({"old": shown, "new": None}, separators=(",", ":"))}
        for user_id, shown in cleared
    ]  # fmt: skip
    bind.execute(_AUDIT.insert(), events)


CHANGED = "profile.display_name_changed"  # `audit.kinds.DISPLAY_NAME_CHANGED`, as this revision's schema has it
_AUDIT = sa.table(
    "audit_events",
    *(sa.column(name) for name in ("actor_id", "subject_id", "kind", "client_ip", "user_agent", "details")),
    sa.column("at", UTCDateTime()),
)


def downgrade() -> None:
    pass
