"""fix31b_1: display names stored before session 31 as a tower of combining marks ("a" and 99 stacked accents,
review31a L2) are none chosen now: every face shows the account's neutral name, and the upgrade clears the text as
the listener's own audit event, so the admin's search finds the account by the name the faces show. A name whose
marks are those of a real script stays. On SQLite and PostgreSQL, down and up."""

from sqlalchemy import text

from encore import audit
from encore.accounts import create_user, find_users, name_for_others, public_name
from encore.db import create_db_engine, make_sessionmaker, transaction
from tests.support.migrate import migrate_to, stored_names

PASSWORD = "correct horse battery 9"
TOWER = "a" + "\u0301" * 99
STORED = {
    "anna": TOWER,
    "bobby": "Bo" + "\u0308\u200d" * 12 + "b",  # a joiner between the marks stacks them still
    "carla": "Nguy\u1ec5n Th\u1ecb",  # Vietnamese: kept
    "dave": "\u05e9\u05b0\u05bc\u05c1\u0591 \u05d1\u05b0\u05bc",  # pointed Hebrew with cantillation: kept
}


def test_a_stored_tower_is_shown_as_no_name_chosen() -> None:
    assert public_name(display_name=TOWER, username="anna", public_id="Ab12xyz").startswith("Listener Ab12")


def test_fix31b_1_clears_names_stored_as_towers(database_url: str) -> None:
    engine = create_db_engine(database_url)
    with transaction(make_sessionmaker(engine)) as s:
        for login in STORED:
            create_user(s, username=login, password=PASSWORD)
    engine.dispose()
    migrate_to(database_url, "fix30b_1", up=False)
    engine = create_db_engine(database_url)
    with engine.begin() as conn:  # as the rule before session 31 let them be stored
        for login, name in STORED.items():
            conn.execute(text("UPDATE users SET display_name = :n WHERE username = :u"), {"n": name, "u": login})
    engine.dispose()
    migrate_to(database_url, "head", up=True)
    after = stored_names(database_url)
    assert after == {**STORED, "anna": "", "bobby": ""}
    engine = create_db_engine(database_url)
    with transaction(make_sessionmaker(engine)) as s:
        for login in ("anna", "bobby"):
            user = next(u for u in find_users(s, query=login, limit=10) if u.username == login)
            assert name_for_others(user).startswith("Listener ")
            changes = [e.details for e in audit.list_events(s, where=audit.EventFilter(account_id=user.id))]
            assert {"old": STORED[login], "new": None} in changes
    engine.dispose()
    migrate_to(database_url, "fix30b_1", up=False)
    assert stored_names(database_url) == after
    migrate_to(database_url, "head", up=True)
    assert stored_names(database_url) == after
