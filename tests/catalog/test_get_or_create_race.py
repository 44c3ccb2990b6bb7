"""Two ingests making the same new artist (label, genre, album) at the same moment make it once, and both go
on with it. Each found it missing and inserted it: the later insert failed on the unique key and its job
failed (to be retried). The window is held open: both have looked before either creates (`meet`)."""

import threading
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from encore import catalog
from encore.bootstrap import Container
from encore.catalog import Album, AlbumFacts, Artist, Genre, Label
from tests.support.races import meet, race

RACERS = 2
FACTS = AlbumFacts(title="Night Ferry", artists=["Nova Tide"], album_type="album", release_date=None, upc=None,
                   label=None, label_kind=None, genres=[])  # fmt: skip

MAKE: dict[str, tuple[type[Any], Callable[[Session], object]]] = {
    "artists": (Artist, lambda s: catalog.upsert_artist(s, name="Nova Tide").id),
    "labels": (Label, lambda s: catalog.upsert_label(s, name="Harbour Records", kind=None).id),
    "genres": (Genre, lambda s: catalog.upsert_genre(s, name="Dream Pop").id),
    "albums": (Album, lambda s: catalog.upsert_album(s, facts=FACTS).id),
}


@pytest.mark.parametrize("table", sorted(MAKE))
def test_one_new_name_made_by_two_ingests_at_once_is_made_once(container: Container, table: str) -> None:
    model, make = MAKE[table]
    window, looked = threading.Barrier(RACERS), set[int]()

    def after(_conn: object, _cursor: object, statement: str, *_rest: object) -> None:
        first = threading.get_ident() not in looked
        if first and statement.lstrip().startswith("SELECT") and f"FROM {table}" in statement:
            looked.add(threading.get_ident())
            meet(window)  # every racer has found it missing before any creates it

    event.listen(container.engine, "after_cursor_execute", after)
    try:
        made = race(container, [lambda s: f"made {make(s)}"] * RACERS)
    finally:
        event.remove(container.engine, "after_cursor_execute", after)
    assert len(looked) == RACERS
    assert len(made) == RACERS and len(set(made)) == 1 and made[0].startswith("made"), made
    with container.sessions() as s:
        assert s.scalar(select(func.count()).select_from(model)) == 1
