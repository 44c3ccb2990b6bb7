"""The admin's account search (`find_users`) folds case as a person expects it, on SQLite and PostgreSQL (fix31a):
full Unicode case folding on both sides, so "STRASSE" finds "Straße" (and "Straße" typed as it is spelt finds it:
the query was case-folded, the stored name only lowered), "ΟΔΟΣ" finds "οδός" (the final sigma). A typed "%", "_" or
"\\" is a letter, never a wildcard, in the name and in a tag (whose alphabet holds "_")."""

import unicodedata

import pytest
from sqlalchemy import String, bindparam, select

from encore.bootstrap import Container
from encore.db import unaccent, unaccented_fold
from encore.db._text import _folds
from tests.accounts.tagged import found, make_tagged

# username -> (display name, its tag: the first four characters of its public id)
ACCOUNTS = {
    "u1": ("Straße 9", "Aa01"),
    "u2": ("οδός", "Aa02"),
    "u3": ("Мара", "Aa03"),
    "u4": ("MARA", "Aa04"),
    "u5": ("ﬁnal ǅemo", "Aa05"),  # a ligature and a title-case letter
    "u6": ("100% Real", "Aa06"),
    "u7": ("1000 Real", "Aa07"),
    "u8": ("a_b", "Aa08"),
    "u9": ("axb", "Aa09"),
    "u10": ("back\\slash", "Aa10"),
    "u11": ("backslash", "Aa11"),
    "u12": (None, "ab_c"),  # an account without a name: found by its tag, "_" and all
    "u13": (None, "abxc"),
}


@pytest.fixture
def made(container: Container) -> None:
    make_tagged(container.sessions, ACCOUNTS)


FOLDED = {
    "STRASSE": {"u1"},  # was nothing: "ß" lowered stays "ß"
    "Straße": {"u1"},  # was nothing: typed as it is spelt, folded to "strasse" against "straße"
    "strasse 9": {"u1"},
    "ΟΔΟΣ": {"u2"},  # was nothing: the final "ς" against the folded "σ"
    "οδός": {"u2"},  # was nothing, typed as it is spelt
    "Οδος": {"u2"},
    "МАРА": {"u3"},
    "мара": {"u3"},
    "mara": {"u4"},
    "MARA": {"u4"},
    "FINAL": {"u5"},  # was nothing: "ﬁ" folds to "fi"
    "Ǆemo": {"u5"},  # "ǅ" folds to "ǆ", as its capital does
}
LETTERS = {
    "100%": {"u6"},  # not "1000 Real"
    "%": {"u6"},
    "a_b": {"u8"},  # not "axb"
    "k\\s": {"u10"},  # not "backslash"
    "\\": {"u10"},
    "abxc": {"u13"},  # was u12 too: its tag "ab_c" was a pattern
    "Listener abxc": {"u13"},  # was u12 too
    "Listener ab_c": {"u12"},
    "ab_c": {"u12"},
    "Listener ab%c": set(),
}


@pytest.mark.usefixtures("made")
@pytest.mark.parametrize("expected", [FOLDED, LETTERS], ids=["case_folded_in_full", "wildcards_are_letters"])
def test_the_search_finds_what_was_typed(container: Container, expected: dict[str, set[str]]) -> None:
    with container.sessions() as s:
        assert {query: found(s, query) for query in expected} == expected


def test_the_database_folds_every_letter_as_python_does(container: Container) -> None:
    """`unaccented_fold` in SQL and `unaccent` in Python are one rule: every code point of the planes that have
    letters (to U+1FFFF; not NUL or the surrogates, which no text holds, nor U+0001, which separates them here),
    each alone, folds alike on both databases."""
    points = [p for p in range(2, 0x20000) if not 0xD800 <= p <= 0xDFFF]
    texts = [chr(p) for p in points]
    query = select(unaccented_fold(bindparam("t", type_=String)))
    differ = {}
    with container.sessions() as s:
        for start in range(0, len(texts), 2000):
            chunk = texts[start : start + 2000]
            # one statement per chunk: the letters joined by a separator that folds to itself
            joined = s.scalar(query, {"t": "\x01".join(chunk)})
            assert joined is not None
            for text, got in zip(chunk, joined.split("\x01"), strict=True):
                if got != unaccent(text):
                    differ[f"U+{ord(text):04X}"] = (unicodedata.name(text, "?"), got, unaccent(text))
    assert differ == {}


def test_the_folds_taken_to_postgresql_are_pythons() -> None:
    letters, into, many = _folds()
    inlined = letters + into + "".join(a + b for a, b in many)
    assert not set(inlined) & set("'\\]^-")  # inlined in the SQL, the letters in a bracket of a regular expression
    assert ("ß", "ss") in many and into[letters.index("\u03c2")] == "\u03c3"  # the final sigma folds
    assert len(letters) == len(into)
