"""Fix32c: a name that differs from a label by an ASCII spelling as well as by a look-alike still read as that
label. "M\u043edem" (a Cyrillic "\u043e") shares UTS #39's skeleton with "Modern", because the skeleton reads "rn"
as "m" too, so it joined "Modern" (or was refused as reading like it), though "Modem" and "Modern" are two labels.
Now only look-alike characters outside ASCII make two names one (`look_alike_reason`, a pure rule with its reason),
on SQLite and PostgreSQL."""

import re
from dataclasses import replace

import icu
import pytest
from sqlalchemy import select

from encore import catalog
from encore.bootstrap import Container
from encore.catalog import AlbumFacts, Label
from encore.db import transaction
from encore.kernel import Conflict

CYR_O, GREEK_O = "\u043e", "\u03bf"
SONORA = "Sonora Music Entertainment"
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
    # review32d: the marks that draw nothing (Default_Ignorable_Code_Point) were kept as drawn, as a vowel sign is
    (f"{SONORA}\ufe0f", SONORA, "U+FE0F VARIATION SELECTOR-16) draws nothing"),
    ("Sonora\U000e0100 Music", "Sonora Music", "U+E0100 VARIATION SELECTOR-17) draws nothing"),
    ("Studio\u180b One", "Studio One", "U+180B MONGOLIAN FREE VARIATION SELECTOR ONE) draws nothing"),
    ("Uni\u034fversal", "Universal", "U+034F COMBINING GRAPHEME JOINER) draws nothing"),
    ("\u2764\ufe0f Records", "\u2764 Records", "U+FE0F VARIATION SELECTOR-16) draws nothing"),  # an emoji's colour
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
    assert catalog.look_alike_reason(other, name)  # both ways


@pytest.mark.parametrize(("name", "other"), APART)
def test_an_ascii_difference_keeps_two_names_apart_whatever_else_looks_alike(name: str, other: str) -> None:
    assert catalog.look_alike_reason(name, other) is None and catalog.look_alike_reason(other, name) is None


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


def test_a_variation_selector_makes_no_second_label(container: Container) -> None:
    """review32d: `encore user create x --label "Sonora Music Entertainment\ufe0f"` made a second label beside
    "Sonora Music Entertainment" that no reader could tell from it. Now an operator's name is refused saying why,
    and a file's tag is filed under the label it looks like."""
    with transaction(container.sessions) as s:
        kept = catalog.upsert_label(s, name=SONORA, kind="major").id
    said = f"reads as the existing label {SONORA!r} ('\ufe0f' (U+FE0F VARIATION SELECTOR-16) draws nothing)"
    with pytest.raises(Conflict, match=re.escape(said)), transaction(container.sessions) as s:
        catalog.upsert_label(s, name=f"{SONORA}\ufe0f", kind=None, refuse_look_alike=True)
    with transaction(container.sessions) as s:
        album = catalog.upsert_album(s, facts=replace(FACTS, label=f"{SONORA}\U000e01ef"))
        assert album.label is not None and album.label.id == kept
    with container.sessions() as s:
        assert list(s.scalars(select(Label.name))) == [SONORA]


def test_the_marks_that_draw_nothing_are_unicodes_default_ignorable_ones() -> None:
    """The label rule's list of marks that draw nothing is ICU's Default_Ignorable_Code_Point marks, no more or less:
    a vowel sign still tells two names apart (APART's Devanagari pair)."""
    from encore.catalog._label_names import _IGNORABLE_MARKS

    ignorable = icu.UnicodeSet("[[:Default_Ignorable_Code_Point:]&[:M:]]")
    listed = {ch for ch in ignorable if _IGNORABLE_MARKS.fullmatch(ch)}
    assert len(listed) == len(ignorable) == 263
    assert all(_IGNORABLE_MARKS.fullmatch(chr(cp)) is None for cp in (0x0301, 0x0941, 0x0E34, 0x20DD, 0x0903))


def test_the_refusal_says_which_letter_reads_as_which(container: Container) -> None:
    with transaction(container.sessions) as s:
        catalog.upsert_label(s, name="Modem", kind="major")
    said = "reads as the existing label 'Modem' ('о' (U+043E CYRILLIC SMALL LETTER O) reads as 'o')"
    with (
        pytest.raises(Conflict, match=re.escape(said)),
        transaction(container.sessions) as s,
    ):
        catalog.upsert_label(s, name=f"M{CYR_O}dem", kind=None, refuse_look_alike=True)
