"""fix30b_1: names stored before session 30 that read as another's by look-alike letters of another script
("Listener \u0410b12" with a Cyrillic "\u0410", "b\u043ebby" for the login "bobby") are shown as the account's neutral
name now, but the column kept the text, so the admin's search found the account by the name it imitated. The upgrade
clears them as the listener's own audit event; a name in another script that imitates nothing stays. On SQLite and
PostgreSQL, down and up."""

from encore import audit
from encore.accounts import find_users, name_for_others
from encore.db import create_db_engine, make_sessionmaker, transaction
from tests.support.migrate import migrate_to, names_stored_at, stored_names

STORED = {
    "anna": "Listener \u0410b12",
    "bobby": "b\u043ebby",
    "carla": "\u041c\u0430\u0440\u0438\u044f",
    "dave": "Mara K.",
    "erin": "d\u0435mo",  # reads as a login, not as erin's: tagged beside logins, kept
}


def test_fix30b_1_clears_what_now_reads_as_another_by_look_alike_letters(database_url: str) -> None:
    names_stored_at(database_url, "fix30a_1", STORED)  # as the rule before session 30 let them be stored
    after = stored_names(database_url)
    assert after == {**STORED, "anna": "", "bobby": ""}
    engine = create_db_engine(database_url)
    with transaction(make_sessionmaker(engine)) as s:
        assert {u.username for u in find_users(s, query="Listener \u0410b12", limit=10)} == set()  # was anna
        for login in ("anna", "bobby"):
            user = next(u for u in find_users(s, query=login, limit=10) if u.username == login)
            assert name_for_others(user).startswith("Listener ")
            assert {u.username for u in find_users(s, query=name_for_others(user), limit=10)} == {login}
            changes = [e.details for e in audit.list_events(s, where=audit.EventFilter(account_id=user.id))]
            assert {"old": STORED[login], "new": None} in changes
    engine.dispose()
    migrate_to(database_url, "fix30a_1", up=False)
    assert stored_names(database_url) == after
    migrate_to(database_url, "head", up=True)
    assert stored_names(database_url) == after
