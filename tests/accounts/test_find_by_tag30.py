"""The admin's account search (`find_users`) finds an account by the name as any face shows it (review30b L2): a
chosen name with the tag Subsonic's playlist owner shows beside it ("Mara (rwhC)": that Mara, not every Mara), the
tag alone, and a name typed without its accents ("zoe" for "Zoë"), on both databases."""

import pytest
from sqlalchemy.orm import Session

from encore.accounts import User, create_user, find_users, name_beside_logins, name_for_others
from encore.bootstrap import Container
from encore.db import transaction

PASSWORD = "correct horse battery 9"
# username -> (display name, the first four characters of its public id: its tag)
ACCOUNTS = {
    "mara1": ("Mara", "rwhC"),
    "mara2": ("Mara", "Qp7z"),
    "zoe1": ("Zoë", "Zz01"),
    "emilie": ("Émilie Ångström", "Em01"),
    "nobody": (None, "Nu11"),
    "bracketed": ("demo (Ab12)", "Br01"),  # a chosen name that holds brackets itself
    "plain": ("Plain Percent", "Pp01"),
}


def _found(s: Session, query: str) -> set[str]:
    return {u.username for u in find_users(s, query=query, limit=50)}


@pytest.fixture
def made(container: Container) -> dict[str, User]:
    with transaction(container.sessions) as s:
        users = {}
        for login, (name, tag) in ACCOUNTS.items():
            user = create_user(s, username=login, password=PASSWORD, display_name=name)
            user.public_id = tag + user.public_id[4:]  # a known tag: no random one can collide with a query
            users[login] = user
    return users


def test_a_name_with_its_tag_finds_that_account_only(container: Container, made: dict[str, User]) -> None:
    with container.sessions() as s:
        mara = s.get(User, made["mara1"].id)
        assert mara is not None
        shown = name_beside_logins(name_for_others(mara), public_id=mara.public_id)
        assert shown == "Mara (rwhC)"  # as a Subsonic app shows the owner of Mara's public playlists
        assert _found(s, shown) == {"mara1"}  # was nothing
        assert _found(s, "mara (RWHC)") == {"mara1"}
        assert _found(s, " Mara(rwhC) ") == {"mara1"}
        assert _found(s, "(rwhC)") == {"mara1"}
        assert _found(s, "rwhC") == {"mara1"}  # the tag alone
        assert _found(s, "Qp7z") == {"mara2"}
        assert _found(s, "Mara") == {"mara1", "mara2"}  # the name alone is every Mara, as before
        assert _found(s, "Mara (Qp7z)") == {"mara2"}
        assert _found(s, "Zoë (rwhC)") == set()  # the tag's account is not named so
        assert _found(s, "demo (Ab12)") == {"bracketed"}  # the name as chosen, brackets and all
        # the neutral name and its tag, as before
        assert _found(s, "Listener Nu11") == {"nobody"} and _found(s, "nu11") == {"nobody"}
        assert _found(s, "Listener") == set()


def test_a_name_typed_without_its_accents_finds_it(container: Container, made: dict[str, User]) -> None:
    with container.sessions() as s:
        assert _found(s, "zoe") == {"zoe1"}  # was nothing
        assert _found(s, "ZOE") == {"zoe1"}
        assert _found(s, "Zoë") == {"zoe1"}  # typed with them, as before
        assert _found(s, "ZOË") == {"zoe1"}
        assert _found(s, "emilie angstrom") == {"emilie"}
        assert _found(s, "Émilie Ång") == {"emilie"}
        assert _found(s, "Zoe\u0308") == {"zoe1"}  # the accent typed as a combining mark


@pytest.mark.parametrize("hostile", ["%", "_", "\\", "(%%%%)", "(____)", "%%%%", "((rwhC))x"])
def test_wildcards_and_brackets_are_read_as_text(container: Container, made: dict[str, User], hostile: str) -> None:
    with container.sessions() as s:
        assert _found(s, hostile) == set()
