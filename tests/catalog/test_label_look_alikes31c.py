"""Review31c M1: UTS #39's skeleton also reads plain ASCII letters as one another ("rn" as "m", "l", "1" and "I" as
one, "0" as "O"), so `upsert_label("Modem Records")` after "Modern Records" returned "Modern Records": a new label,
or a file's tag, silently filed under another label and its royalties. Two names typed in plain ASCII are two labels
(on SQLite and PostgreSQL); a name that differs by a character outside ASCII still reads as the label it passes for."""

from dataclasses import replace

import pytest
from sqlalchemy import select

from encore import catalog
from encore.bootstrap import Container
from encore.catalog import AlbumFacts, Label
from encore.db import transaction
from encore.kernel import Conflict

PAIRS = [
    ("Modern Records", "Modem Records"),
    ("Stern", "Stem"),
    ("Burn", "Bum"),
    ("Warner", "Wamer"),
    ("Studio 1", "Studio l"),
    ("Studio I", "Studio l"),
    ("Label 0", "Label O"),
]
USG = "Universal Sound Group"
FACTS = AlbumFacts(title="Northern Signals", artists=["Aurora Lights"], album_type="album", release_date=None,
                   upc=None, label=None, label_kind=None, genres=[])  # fmt: skip


@pytest.mark.parametrize("pair", PAIRS)
def test_two_plain_ascii_names_are_two_labels(container: Container, pair: tuple[str, str]) -> None:
    first, second = pair
    assert catalog.look_alike_reason(second, first) is None
    with transaction(container.sessions) as s:
        kept = catalog.upsert_label(s, name=first, kind="major").id
        assert catalog.upsert_label(s, name=second, kind=None, refuse_look_alike=True).id != kept  # the operator's
    with transaction(container.sessions) as s:  # a file's tag: the label it names, not the one it resembles
        album = catalog.upsert_album(s, facts=replace(FACTS, label=second))
        assert album.label is not None and album.label.name == second
    with container.sessions() as s:
        assert sorted(s.scalars(select(Label.name))) == sorted(pair)


def test_a_letter_of_another_script_still_reads_as_the_label(container: Container) -> None:
    cyrillic = "Universal Sound Gr\u043eup"
    assert catalog.look_alike_reason(cyrillic, USG) and catalog.look_alike_reason(USG, cyrillic)
    with transaction(container.sessions) as s:
        usg = catalog.upsert_label(s, name=USG, kind="major").id
    with pytest.raises(Conflict, match="reads as the existing label"), transaction(container.sessions) as s:
        catalog.upsert_label(s, name=cyrillic, kind=None, refuse_look_alike=True)
    with pytest.raises(Conflict, match="reads as the existing label"), transaction(container.sessions) as s:
        catalog.upsert_album(s, facts=replace(FACTS, label=cyrillic), label_forced=True)  # `encore ingest --label`
    with transaction(container.sessions) as s:  # a file's tag: filed under the label it reads as
        assert catalog.upsert_album(s, facts=replace(FACTS, label=cyrillic)).label_id == usg
    with container.sessions() as s:
        assert s.scalars(select(Label.name)).all() == [USG]
