"""Alphabetical album lists are paged by kept key marks (#16), while clients page by `offset`: every page
equals the plain ORDER BY ... OFFSET page, across marks, on both databases; ads and unlisted releases stay
out; a catalogue change (an album that sorts first) moves every later page at once."""

import pytest

from encore import library
from encore.bootstrap import Container
from encore.catalog import Album
from encore.db import transaction
from encore.library import _keyset, _shared_lists
from tests.catalog import factories as f

# An artist with several albums, mixed case, and titles that tie across artists
# (so the orders' last columns, ids, decide).
ARTISTS = ["Nova", "Arc", "The Birds", "Zed", "Mira", "Ola", "Eve", "kai"]
TITLES = ["Blue", "bolero", "Aria", "Zero", "Mono", "Blue", "Echo"]


def _catalogue(container: Container) -> int:
    with transaction(container.sessions) as s:
        artists = [f.artist(s, name) for name in ARTISTS]
        made: set[tuple[int, str]] = set()
        i = 0
        while len(made) < 30:  # each artist's titles unique (an album's identity), titles shared across artists
            by, title = artists[(i * 5) % len(artists)], TITLES[i % len(TITLES)]
            if (by.id, title.lower()) not in made:
                made.add((by.id, title.lower()))
                f.album(s, title, by)
            i += 1
        ad = f.album(s, "Aaa Advert", artists[2])
        ad.is_ad = True
        withdrawn = f.album(s, "Aaa Gone", artists[2])
        withdrawn.status = "withdrawn"
        return ad.id


def _plain(container: Container, kind: str) -> list[int]:
    """The whole list, read through the plain OFFSET statement from the start."""
    with transaction(container.sessions) as s:
        rows = _keyset._statements(kind, True, s.get_bind().dialect.name == "sqlite").first.rows(
            s.connection(), {"limit": 1000, "offset": 0}
        )
    return [row[0] for row in rows]


def _page(container: Container, kind: str, offset: int, size: int) -> list[int]:
    with transaction(container.sessions) as s:
        albums = library.album_list(s, user_id=1, kind=kind, limit=size, offset=offset)
        ids = {a.id: i for a, i in zip(albums, range(len(albums)), strict=True)}
        rows = dict(s.query(Album.public_id, Album.id).filter(Album.public_id.in_(ids)).all())
    return [rows[a.id] for a in albums]


@pytest.mark.parametrize("kind", _keyset.KEYED)
def test_every_offset_reads_what_plain_offset_reads(
    container: Container, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    monkeypatch.setattr(_keyset, "STEP", 4)  # marks every 4 positions: 30 albums cross many of them
    monkeypatch.setattr(_shared_lists, "STEP", 4)  # and pages read in chunks that start at those marks
    ad = _catalogue(container)
    whole = _plain(container, kind)
    assert len(whole) == 30 and ad not in whole
    for offset in [9, 5, 0, 3, 4, 12, 28, 29, 30, 31, 100, 17]:  # out of order: marks found from either side
        for size in (1, 4, 7):
            assert _page(container, kind, offset, size) == whole[offset : offset + size], (offset, size)


@pytest.mark.parametrize("kind", _keyset.KEYED)
def test_a_catalogue_change_moves_later_pages(container: Container, monkeypatch: pytest.MonkeyPatch, kind: str) -> None:
    monkeypatch.setattr(_keyset, "STEP", 4)
    monkeypatch.setattr(_shared_lists, "STEP", 4)
    _catalogue(container)
    before = _page(container, kind, 12, 4)
    with transaction(container.sessions) as s:
        first = f.album(s, "Aaaa First", f.artist(s, "Aaaa First Artist")).id
    whole = _plain(container, kind)
    assert whole[0] == first
    after = _page(container, kind, 12, 4)
    assert after == whole[12:16] and after[1:] == before[:3]
