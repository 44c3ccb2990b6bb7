"""A release of one name and kind stays one release (review29a L1). A song tagged with a spot's album name is filed
under a release of its own kind (`upsert_album(ad=False)`); once the spot's release was gone, the next song with the
very same tags started a second listed release of that name under the plain key, each half empty. Both kinds."""

from dataclasses import replace

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from encore import catalog
from encore.bootstrap import Container
from encore.catalog import Album, AlbumFacts
from encore.db import transaction
from encore.kernel import Conflict

FACTS = AlbumFacts(title="Northern Signals", artists=["Aurora Lights"], album_type="album", release_date=None,
                   upc=None, label=None, label_kind=None, genres=[])  # fmt: skip


def _album(s: Session, *, ad: bool, facts: AlbumFacts = FACTS, label_forced: bool = False) -> Album:
    album = catalog.upsert_album(s, facts=facts, ad=ad, label_forced=label_forced)
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


@pytest.mark.parametrize("forced", [False, True], ids=["tagged", "forced"])
def test_a_file_of_another_label_never_moves_the_kinds_release(container: Container, forced: bool) -> None:
    """review29c M1: the label rules read the plain key's release (none, once the spot's was gone) and then the file
    joined label M's release of its kind and relabelled it N. An operator's file tagged N joins it and it stays M's
    (review25m F5, as for the plain key); a forced ingest for N is refused, as another label's artist."""
    theirs, ours = replace(FACTS, label="Label M"), replace(FACTS, label="Label N")
    with transaction(container.sessions) as s:
        spot = _album(s, ad=True).id  # the plain key: a spot's release
        apart = _album(s, ad=False, facts=theirs)  # label M's song, filed apart
        apart_id, m_label = apart.id, apart.label_id
    with transaction(container.sessions) as s:
        s.execute(delete(Album).where(Album.id == spot))
    if forced:
        with pytest.raises(Conflict), transaction(container.sessions) as s:
            _album(s, ad=False, facts=ours, label_forced=True)
    else:
        with transaction(container.sessions) as s:
            assert _album(s, ad=False, facts=ours).id == apart_id
    with container.sessions() as s:
        assert s.scalar(select(Album.label_id).where(Album.id == apart_id)) == m_label is not None
