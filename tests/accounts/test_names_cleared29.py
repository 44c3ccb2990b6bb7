"""review29a L2: the fixmisc28_1 upgrade clears stored names that `chosen_name` rejects, and said the text was shown
to no one. That held for a name read as the login, not for one that reads as another account's neutral name
("Listener Anna"), shown as chosen before session 28. Each name cleared is now the listener's own audit event (old:
the text, new: none chosen), which their Security page lists and the operator can read back; on SQLite and
PostgreSQL."""

import json

from sqlalchemy import text

from encore import audit
from encore.db import create_db_engine
from tests.support.migrate import migrate_to, names_stored_at

STORED = {"anna": "Listener Anna", "bobby": "bobby\u200b", "dave": "Mara K.", "erin": "Anna"}


def test_each_name_the_upgrade_clears_is_the_listeners_own_event(database_url: str) -> None:
    ids = names_stored_at(database_url, "fixapi26_1", STORED, then="fixmisc28_1")  # as the code before session 28
    changed = audit.kinds.DISPLAY_NAME_CHANGED
    engine = create_db_engine(database_url)
    with engine.connect() as conn:  # plain SQL at fixmisc28_1: the ORM's models name columns added since
        shown = {login: conn.execute(text("SELECT display_name FROM users WHERE id = :i"), {"i": i}).scalar_one()
                 for login, i in ids.items()}  # fmt: skip
        by_kind = text("SELECT actor_id, subject_id, details FROM audit_events WHERE kind = :k ORDER BY id")
        rows = conn.execute(by_kind, {"k": changed}).all()
    engine.dispose()
    assert shown == {"anna": "", "bobby": "", "dave": "Mara K.", "erin": "Anna"}
    events = {login: [json.loads(d) for actor, subject, d in rows if i in (actor, subject)] for login, i in ids.items()}
    assert events["anna"] == [{"old": "Listener Anna", "new": None}]  # was gone without a trace
    assert events["bobby"] == [{"old": "bobby\u200b", "new": None}]
    assert events["dave"] == events["erin"] == []
    assert len(rows) == 2  # anna's and bobby's, no other
    migrate_to(database_url, "head", up=True)
