"""fixtrust26_1 down and up on SQLite and PostgreSQL: a display name equal to its username (what sign-up stored
when none was given) becomes "" (none chosen); a chosen one is kept; the downgrade gives the username back."""

from encore.accounts import create_user
from encore.db import create_db_engine, make_sessionmaker, transaction
from tests.support.migrate import migrate_to, stored_names


def test_fixtrust26_1_down_and_up(database_url: str) -> None:
    engine = create_db_engine(database_url)
    with transaction(make_sessionmaker(engine)) as s:
        create_user(s, username="plain", password="listener-pass-1")
        create_user(s, username="named", password="listener-pass-1", display_name="Named Person")
    engine.dispose()
    assert stored_names(database_url) == {"named": "Named Person", "plain": ""}
    migrate_to(database_url, "fixlast24_1", up=False)
    assert stored_names(database_url) == {"named": "Named Person", "plain": "plain"}  # as the older code stored it
    migrate_to(database_url, "head", up=True)
    assert stored_names(database_url) == {"named": "Named Person", "plain": ""}
