"""review29a L2: the fixmisc28_1 upgrade clears stored names that `chosen_name` rejects, and said the text was shown
to no one. That held for a name read as the login, not for one that reads as another account's neutral name
("Listener Anna"), shown as chosen before session 28. Each name cleared is now the listener's own audit event (old:
the text, new: none chosen), which their Security page lists and the operator can read back; on SQLite and
PostgreSQL."""

from sqlalchemy import text

from encore import audit
from encore.db import create_db_engine, make_sessionmaker
from tests.support.migrate import migrate_to, names_stored_at

STORED = {"anna": "Listener Anna", "bobby": "bobby\u200b", "dave": "Mara K.", "erin": "Anna"}


def test_each_name_the_upgrade_clears_is_the_listeners_own_event(database_url: str) -> None:
    ids = names_stored_at(database_url, "fixapi26_1", STORED, then="fixmisc28_1")  # as the code before session 28
    engine = create_db_engine(database_url)
    with make_sessionmaker(engine)() as s:
        shown = {login: s.execute(text("SELECT display_name FROM users WHERE id = :i"), {"i": i}).scalar_one()
                 for login, i in ids.items()}  # fmt: skip
        assert shown == {"anna": "", "bobby": "", "dave": "Mara K.", "erin": "Anna"}
        events = {
            login: [
                (e.kind, e.details)
                for e in audit.list_events(s, where=audit.EventFilter(account_id=i))
                if e.kind == audit.kinds.DISPLAY_NAME_CHANGED
            ]
            for login, i in ids.items()
        }
        every_change = text("SELECT count(*) FROM audit_events WHERE kind = :k")
        assert s.execute(every_change, {"k": audit.kinds.DISPLAY_NAME_CHANGED}).scalar_one() == 2  # anna's, bobby's
    engine.dispose()
    changed = audit.kinds.DISPLAY_NAME_CHANGED
    assert events["anna"] == [(changed, {"old": "Listener Anna", "new": None})]  # was gone without a trace
    assert events["bobby"] == [(changed, {"old": "bobby\u200b", "new": None})]
    assert events["dave"] == events["erin"] == []
    migrate_to(database_url, "head", up=True)
