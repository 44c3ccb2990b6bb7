"""review27c L2 (fixmisc28): a display name that reads as the login ("bobby" with a zero-width space, "ALICE" in
fullwidth letters) is shown to others as the neutral "Listener ab12"; the admin's search must find it by that name
and not as the chosen name no one is shown, whether the account was made now or stored it before session 27's rule
(the fixmisc28_1 upgrade), on SQLite and PostgreSQL."""

from sqlalchemy.orm import Session

from encore.accounts import chosen_name, create_user, find_users, name_for_others
from encore.bootstrap import Container
from encore.db import create_db_engine, make_sessionmaker, transaction
from tests.support.migrate import migrate_to, names_stored_at, stored_names

PASSWORD = "correct horse battery 9"
READ_AS_LOGINS = {"alice": "\uff21\uff2c\uff29\uff23\uff25", "bobby": "bobby\u200b", "carol": "\u200dCarol"}


def _found(s: Session, query: str) -> set[str]:
    return {u.username for u in find_users(s, query=query, limit=10)}


def test_a_new_account_stores_a_name_read_as_its_login_as_none(container: Container) -> None:
    with transaction(container.sessions) as s:
        made = {
            login: create_user(s, username=login, password=PASSWORD, display_name=name)
            for login, name in READ_AS_LOGINS.items()
        }
        named = create_user(s, username="dave", password=PASSWORD, display_name="Mara K.")
        for login, user in made.items():
            shown = name_for_others(user)
            assert user.display_name == ""  # was the text, searched as a chosen name
            assert _found(s, shown) == {login}  # the name the admin's table shows finds it: was nothing
            assert _found(s, READ_AS_LOGINS[login]) == set()  # the text no one is shown finds nothing
        assert _found(s, "listener") == set()  # the shared word still finds no unnamed account
        assert _found(s, "mara") == {"dave"} and named.display_name == "Mara K."


def test_fixmisc28_1_clears_names_stored_before_the_rule_down_and_up(database_url: str) -> None:
    stored = {**READ_AS_LOGINS, "dave": "Mara K.", "erin": "erin\u200b K."}  # the last two are chosen names
    stored["frank"] = "Listener Xy9z"  # another account's neutral name (lead28): none chosen too
    names_stored_at(database_url, "fixapi26_1", stored)  # as the code before session 27 stored them
    after = stored_names(database_url)
    assert after == {"alice": "", "bobby": "", "carol": "", "dave": "Mara K.", "erin": "erin\u200b K.", "frank": ""}
    engine = create_db_engine(database_url)
    with transaction(make_sessionmaker(engine)) as s:
        bobby = next(u for u in find_users(s, query="bobby", limit=10) if u.username == "bobby")
        assert _found(s, name_for_others(bobby)) == {"bobby"}  # was nothing: the table's name finds the account
        assert _found(s, "\uff21\uff2c") == set()  # was alice, found by a name no one is shown
    engine.dispose()
    # the downgrade keeps the upgrade's data: "" is none chosen there too
    migrate_to(database_url, "fixapi26_1", up=False)
    assert stored_names(database_url) == after
    migrate_to(database_url, "head", up=True)
    assert stored_names(database_url) == after


def test_the_rule_stored_is_the_rule_read() -> None:
    for login, name in READ_AS_LOGINS.items():
        assert chosen_name(name, username=login) == ""
    assert chosen_name("Mara K.", username="mara") == "Mara K."
    assert chosen_name(None, username="mara") == "" and chosen_name("MARA", username="mara") == ""
