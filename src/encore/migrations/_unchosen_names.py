"""Stored display names that `accounts.chosen_name` reads as none chosen, cleared, and each written to the audit log
as the listener's own display-name change (old: the text, new: none chosen), so the listener sees it among their
account's events and the operator can read the text back (review29a L2). The data step of fixmisc28_1 and of
lead29_1, which applies the rule as it reads after session 29 (a blank letter or a separator for a space, a
look-alike bracket: review29a M1, review29c L3) to databases already past fixmisc28_1, of fix30b_1 (look-alike
letters of other scripts, read by their confusable skeleton), and of fix31b_1 (a tower of combining marks). One rule, one step, imported by each revision, never
copied (the rule `public_name` reads with is the one applied)."""

import json
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from encore.db import UTCDateTime

CHANGED = "profile.display_name_changed"  # `audit.kinds.DISPLAY_NAME_CHANGED`, as these revisions' schema has it
_AUDIT = sa.table(
    "audit_events",
    *(sa.column(name) for name in ("actor_id", "subject_id", "kind", "client_ip", "user_agent", "details")),
    sa.column("at", UTCDateTime()),
)


def clear_unchosen_names(bind: Connection) -> int:
    """Clear them; how many were."""
    from encore.accounts import chosen_name

    rows = bind.execute(sa.text("SELECT id, username, display_name FROM users WHERE display_name <> ''")).all()
    cleared = [(user_id, shown) for user_id, username, shown in rows if not chosen_name(shown, username=username)]
    if not cleared:
        return 0
    bind.execute(sa.text("UPDATE users SET display_name = '' WHERE id = :id"), [{"id": i} for i, _ in cleared])
    now = datetime.now(UTC)
    events = [
        {"at": now, "actor_id": None, "subject_id": user_id, "kind": CHANGED, "client_ip": "", "user_agent": "",
         "details": json.dumps({"old": shown, "new": None}, separators=(",", ":"))}
        for user_id, shown in cleared
    ]  # fmt: skip
    bind.execute(_AUDIT.insert(), events)
    return len(cleared)
