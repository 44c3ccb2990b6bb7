"""Review31a L3: label names skipped the rules shown names follow. `encore user create --label "\u202eRival"` made a
label every listener read reversed, and `--label "Universal Sound Gr\u043eup"` (a Cyrillic "\u043e") a second label
that reads as "Universal Sound Group". The catalogue owns the rule (`upsert_label`), on SQLite and PostgreSQL: a
new label's name is refused as a display name would be, an operator naming a new label that reads as an existing one
is refused, and a file tagged so joins the existing label rather than making its look-alike."""

from dataclasses import replace

import pytest
from sqlalchemy import select

from encore import catalog
from encore.bootstrap import Container
from encore.catalog import AlbumFacts, Label
from encore.catalog._label_names import label_name_refusal, look_alike_reason
from encore.db import transaction
from encore.kernel import Conflict, ValidationFailed

USG = "Universal Sound Group"
LOOK_ALIKES = [
    "Universal Sound Gr\u043eup",  # a Cyrillic o
    "UNIVERSAL SOUND GROUP",  # the same key, the same label, as before
    "Universal\u200b Sound Group",  # a zero-width space
    "\uff35niversal Sound Group",  # a fullwidth U: the same key too (NFKD)
    "Universal Sound Gro\u057dp",  # an Armenian "u"
]
REFUSED = {
    "\u202eRival": "override, embedding or isolate",
    "\u200b\u200b": "at least one visible character",
    "Rival\u2028Records": "control characters",
    "R" + "\u0301" * 20: "combining marks on one letter",
    "R" * 201: "at most 200 characters",
}
FACTS = AlbumFacts(title="Northern Signals", artists=["Aurora Lights"], album_type="album", release_date=None,
                   upc=None, label=None, label_kind=None, genres=[])  # fmt: skip


@pytest.mark.parametrize("name", list(REFUSED))
def test_a_name_no_listener_could_read_makes_no_label(container: Container, name: str) -> None:
    assert REFUSED[name] in (label_name_refusal(name) or "")
    with pytest.raises(ValidationFailed, match=REFUSED[name]), transaction(container.sessions) as s:
        catalog.upsert_label(s, name=name, kind=None)
    with container.sessions() as s:
        assert s.scalars(select(Label.name)).all() == []


@pytest.mark.parametrize("name", LOOK_ALIKES)
def test_a_new_label_that_reads_as_another_is_refused_or_is_that_label(container: Container, name: str) -> None:
    with transaction(container.sessions) as s:
        usg = catalog.upsert_label(s, name=USG, kind="major").id
    if catalog.identity_key(name) != catalog.identity_key(USG):  # the operator's: refused, saying which it reads as
        refused = pytest.raises(Conflict, match="reads as the existing label 'Universal Sound Group'")
        with refused, transaction(container.sessions) as s:
            catalog.upsert_label(s, name=name, kind=None, refuse_look_alike=True)
    with transaction(container.sessions) as s:  # a file's tag: that label
        album = catalog.upsert_album(s, facts=replace(FACTS, label=name))
        assert album.label_id == usg
    with container.sessions() as s:
        assert s.scalars(select(Label.name)).all() == [USG]


def test_a_tag_no_label_may_carry_files_the_release_under_none(container: Container) -> None:
    with transaction(container.sessions) as s:
        album = catalog.upsert_album(s, facts=replace(FACTS, label="\u200b"))  # the file is kept, its tag is not
        assert album.id is not None and album.label_id is None
    with pytest.raises(ValidationFailed), transaction(container.sessions) as s:  # `encore ingest --label`: refused
        catalog.upsert_album(s, facts=replace(FACTS, label="\u200b"), label_forced=True)


@pytest.mark.parametrize(
    "pair",
    [
        ("Mara Records", "Mera Records"),
        ("\u0915\u0941\u0932 Records", "\u0915\u0932 Records"),  # Devanagari: a vowel sign tells them apart
        ("\u041c\u0430\u0440\u0438\u044f", "Mapna"),  # Cyrillic "Maria" reads no Latin name
        ("Label One", "Label Ore"),
    ],
)
def test_names_of_their_own_are_labels_of_their_own(container: Container, pair: tuple[str, str]) -> None:
    assert look_alike_reason(*pair) is None
    with transaction(container.sessions) as s:
        first = catalog.upsert_label(s, name=pair[0], kind=None).id
        assert catalog.upsert_label(s, name=pair[1], kind=None, refuse_look_alike=True).id != first


def test_a_label_made_before_stays_and_is_still_found_by_its_name(container: Container) -> None:
    with transaction(container.sessions) as s:  # stored before the rule, as the review made it
        s.add(Label(name="\u202eRival", name_key=catalog.identity_key("\u202eRival"), kind="indie"))
    with transaction(container.sessions) as s:
        assert catalog.upsert_label(s, name="\u202eRival", kind=None).name == "\u202eRival"
