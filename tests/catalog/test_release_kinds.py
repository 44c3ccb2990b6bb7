"""A release of one name and kind stays one release (review29a L1). A song tagged with a spot's album name is filed
under a release of its own kind (`upsert_album(ad=False)`); once the spot's release was gone, the next song with the
very same tags started a second listed release of that name under the plain key, each half empty. Both kinds."""

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from encore import catalog
from encore.bootstrap import Container
from encore.catalog import Album, AlbumFacts
from encore.db import transaction

FACTS = AlbumFacts(title="Northern Signals", artists=["Aurora Lights"], album_type="album", release_date=None,
                   upc=None, label=None, label_kind=None, genres=[])  # fmt: skip


def _album(s: Session, *, ad: bool, facts: AlbumFacts = FACTS, label_forced: bool = False) -> Album:
    album = catalog.upsert_album(s, facts=facts, artwork_key=None, ad=ad, label_forced=label_forced)
    if ad:
        album.is_ad = True  # what `catalog.mark_as_ad` makes of a spot's release in the same transaction
    s.flush()
    return album


@pytest.mark.parametrize("first_ad", [True, False], ids=["spot first", "song first"])
def test_a_file_joins_its_kinds_release_after_the_other_kind_left(container: Container, first_ad: bool) -> None:
    with transaction(container.sessions) as s:
        other = _album(s, ad=first_ad).id  # the plain key's release, of the other kind
        apart = _album(s, ad=not first_ad).id  # filed apart, under the kind's key
        assert apart != other
    with transaction(container.sessions) as s:
        s.execute(delete(Album).where(Album.id == other))  # the other kind's release is gone (emptied, dropped)
    with transaction(container.sessions) as s:
        again = _album(s, ad=not first_ad).id
    assert again == apart  # the old code made a second release of the name under the freed plain key
    with container.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Album).where(Album.title == FACTS.title)) == 1
