"""The admin's account search (`find_users`) finds an account by the name as any face shows it (review30b L2): a
chosen name with the tag Subsonic's playlist owner shows beside it ("Mara (rwhC)": that Mara, not every Mara), the
tag alone, and a name typed without its accents ("zoe" for "Zoë"), on both databases."""

import pytest

from encore.accounts import User, name_beside_logins, name_for_others
from encore.bootstrap import Container
from tests.accounts.tagged import found, make_tagged

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


@pytest.fixture
def made(container: Container) -> dict[str, User]:
    return make_tagged(container.sessions, ACCOUNTS)


def test_a_name_with_its_tag_finds_that_account_only(container: Container, made: dict[str, User]) -> None:
    with container.sessions() as s:
        mara = s.get(User, made["mara1"].id)
        assert mara is not None
        shown = name_beside_logins(name_for_others(mara), public_id=mara.public_id)
        assert shown == "Mara (rwhC)"  # as a Subsonic app shows the owner of Mara's public playlists
        assert found(s, shown) == {"mara1"}  # was nothing
        assert found(s, "mara (RWHC)") == {"mara1"}
        assert found(s, " Mara(rwhC) ") == {"mara1"}
        assert found(s, "(rwhC)") == {"mara1"}
        assert found(s, "rwhC") == {"mara1"}  # the tag alone
        assert found(s, "Qp7z") == {"mara2"}
        assert found(s, "Mara") == {"mara1", "mara2"}  # the name alone is every Mara, as before
        assert found(s, "Mara (Qp7z)") == {"mara2"}
        assert found(s, "Zoë (rwhC)") == set()  # the tag's account is not named so
        assert found(s, "demo (Ab12)") == {"bracketed"}  # the name as chosen, brackets and all
        # the neutral name and its tag, as before
        assert found(s, "Listener Nu11") == {"nobody"} and found(s, "nu11") == {"nobody"}
        assert found(s, "Listener") == set()


def test_a_name_typed_without_its_accents_finds_it(container: Container, made: dict[str, User]) -> None:
    with container.sessions() as s:
        assert found(s, "zoe") == {"zoe1"}  # was nothing
        assert found(s, "ZOE") == {"zoe1"}
        assert found(s, "Zoë") == {"zoe1"}  # typed with them, as before
        assert found(s, "ZOË") == {"zoe1"}
        assert found(s, "emilie angstrom") == {"emilie"}
        assert found(s, "Émilie Ång") == {"emilie"}
        assert found(s, "Zoe\u0308") == {"zoe1"}  # the accent typed as a combining mark


@pytest.mark.parametrize("hostile", ["%", "_", "\\", "(%%%%)", "(____)", "%%%%", "((rwhC))x"])
def test_wildcards_and_brackets_are_read_as_text(container: Container, made: dict[str, User], hostile: str) -> None:
    with container.sessions() as s:
        assert found(s, hostile) == set()


@pytest.mark.parametrize("accents", ["\u0301", " \u0308\u0301 ", "\u0301 \u0300"], ids=["one", "stacked", "two"])
def test_a_query_of_accents_alone_finds_no_account(container: Container, made: dict[str, User], accents: str) -> None:
    """review32a L2: a combining accent folds to "" (`db.folded_words`), which every chosen name held: the admin's
    search for one accent listed every account with a chosen name. It names nobody."""
    with container.sessions() as s:
        assert found(s, accents) == set()
        assert found(s, f"Zoe{accents.strip()[:1]}") == {"zoe1"}  # an accent on a letter is read as before
