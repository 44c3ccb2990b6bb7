"""Fix32c: a name that differs from a label by an ASCII spelling as well as by a look-alike still read as that
label. "M\u043edem" (a Cyrillic "\u043e") shares UTS #39's skeleton with "Modern", because the skeleton reads "rn"
as "m" too, so it joined "Modern" (or was refused as reading like it), though "Modem" and "Modern" are two labels.
Now only look-alike characters outside ASCII make two names one (`look_alike_reason`, a pure rule with its reason),
on SQLite and PostgreSQL."""

import re
from dataclasses import replace

import pytest
from sqlalchemy import select

from encore import catalog
from encore.bootstrap import Container
from encore.catalog import AlbumFacts, Label
from encore.db import transaction
from encore.kernel import Conflict

CYR_O, GREEK_O = "\u043e", "\u03bf"
# (a new name, an existing label's, what the reason says): one label
ONE = [
    (f"Universal Sound Gr{CYR_O}up", "Universal Sound Group", "U+043E CYRILLIC SMALL LETTER O) reads as 'o'"),
    (f"\u039c{GREEK_O}dern", "Modern", "GREEK CAPITAL LETTER MU) reads as 'M'"),  # Greek
    (f"M{CYR_O}dem", "Modem", "reads as 'o'"),  # the ASCII name it spells
    (f"M{CYR_O}DERN", "Modern", "reads as 'o'"),  # case aside
    ("Mode\u217f", "Modem", "SMALL ROMAN NUMERAL ONE THOUSAND) reads as 'm'"),  # a look-alike "m" is "m"
    ("Studio \u0406", "Studio I", "reads as 'I'"),  # a Cyrillic "I": I, l and 1, one of them at a time
    ("Studio \u0406", "Studio l", "reads as 'l'"),
    ("Studio \u0406", "Studio 1", "reads as '1'"),
    ("Label \u041e", "Label 0", "reads as '0'"),
    ("\uff2dodern", "Modern", "FULLWIDTH LATIN CAPITAL LETTER M) reads as 'M'"),
    ("\u00c6ther Sound", "Aether Sound", "LATIN CAPITAL LETTER AE) reads as 'Ae'"),  # one letter drawn as two
    ("\u042eNA", "IONA", "CYRILLIC CAPITAL LETTER YU) reads as 'IO'"),
    ("Universal\u200b Sound Group", "Universal Sound Group", "U+200B ZERO WIDTH SPACE) draws nothing"),
    (f"Caf\u00e9 M{CYR_O}dern", "Cafe Modern", "reads as 'o'"),  # an accent beside a look-alike
    ("Modern", f"M{CYR_O}dern", "'o' reads as its 'о' (U+043E"),  # the existing label holds the look-alike
]
# names that stay apart: a look-alike beside an ASCII difference, and names of their own
APART = [
    (f"M{CYR_O}dem", "Modern"),  # rn/m and a Cyrillic o (was one)
    (f"\u039c{GREEK_O}dem", "Modern"),  # rn/m and Greek letters (was one)
    ("Mode\u217f", "Modern"),  # a look-alike "m" is no "rn" (was one)
    ("St\u0435m", "Stern"),  # (was one)
    ("\u0412um", "Burn"),  # (was one)
    ("\uff2dodem", "Modern"),  # fullwidth, and rn/m (was one)
    ("Mod\u00e9m", "Modern"),  # an accent, and rn/m (was one)
    ("\u0405tudi\u043e 1", "Studio l"),  # Cyrillic S and o, and 1/l (was one)
    ("Studio \u0456", "Studio 1"),  # a small Cyrillic i reads as "i", no "1"
    ("Modem", "Modern"),  # plain ASCII
    ("Studio 1", "Studio l"),
    ("\u041c\u0430\u0440\u0438\u044f", "Mapna"),  # Cyrillic "Maria" reads as no Latin name
    ("\u0915\u0941\u0932 Records", "\u0915\u0932 Records"),  # Devanagari: a vowel sign tells them apart
]


@pytest.mark.parametrize(("name", "other", "said"), ONE)
def test_look_alikes_outside_ascii_make_two_names_one_and_say_which(name: str, other: str, said: str) -> None:
    assert said in (catalog.look_alike_reason(name, other) or ""), catalog.look_alike_reason(name, other)
    assert catalog.reads_as_one(name, other) and catalog.reads_as_one(other, name)


@pytest.mark.parametrize(("name", "other"), APART)
def test_an_ascii_difference_keeps_two_names_apart_whatever_else_looks_alike(name: str, other: str) -> None:
    assert catalog.look_alike_reason(name, other) is None and catalog.look_alike_reason(other, name) is None
    assert not catalog.reads_as_one(name, other)


FACTS = AlbumFacts(title="Northern Signals", artists=["Aurora Lights"], album_type="album", release_date=None,
                   upc=None, label=None, label_kind=None, genres=[])  # fmt: skip


@pytest.mark.parametrize("pair", APART[:5])
def test_a_look_alike_beside_an_ascii_difference_is_a_label_of_its_own(
    container: Container, pair: tuple[str, str]
) -> None:
    name, other = pair
    with transaction(container.sessions) as s:
        kept = catalog.upsert_label(s, name=other, kind="major").id
        assert catalog.upsert_label(s, name=name, kind=None, refuse_look_alike=True).id != kept  # was refused
    with transaction(container.sessions) as s:  # a file's tag: the label it names (was filed under `other`)
        album = catalog.upsert_album(s, facts=replace(FACTS, label=name))
        assert album.label is not None and album.label.name == name
    with container.sessions() as s:
        assert sorted(s.scalars(select(Label.name))) == sorted(pair)


def test_the_refusal_says_which_letter_reads_as_which(container: Container) -> None:
    with transaction(container.sessions) as s:
        catalog.upsert_label(s, name="Modem", kind="major")
    said = "reads as the existing label 'Modem' ('о' (U+043E CYRILLIC SMALL LETTER O) reads as 'o')"
    with (
        pytest.raises(Conflict, match=re.escape(said)),
        transaction(container.sessions) as s,
    ):
        catalog.upsert_label(s, name=f"M{CYR_O}dem", kind=None, refuse_look_alike=True)
