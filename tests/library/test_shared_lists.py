"""The shared album lists (newest, by name, by artist) are served from kept chunks of positions (#16): a page at
any offset equals the plain ORDER BY ... OFFSET page, across chunk boundaries and past the list's end, on both
databases, asked cold or from kept chunks; ads and unlisted releases stay out; a catalogue change drops every
chunk; a transaction that changed the catalogue reads its own writes; walking a whole list keeps one chunk per
STEP positions and nothing for offsets past its end."""

from typing import Any

import pytest
from sqlalchemy import select

from encore import library
from encore.bootstrap import Container
from encore.catalog import Album, music_album
from encore.db import transaction
from encore.library import _keyset, _shared_lists
from tests.catalog import factories as f

ARTISTS = ["Nova", "Arc", "The Birds", "Zed", "Mira", "Ola", "Eve", "kai"]
TITLES = ["Blue", "bolero", "Aria", "Zero", "Mono", "Blue", "Echo"]
STEP = 4  # small chunks, so 23 albums cross many of them


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_keyset, "STEP", STEP)
    monkeypatch.setattr(_shared_lists, "STEP", STEP)


def _catalogue(container: Container) -> set[int]:
    """23 music albums (titles shared across artists), an ad and a withdrawn one: the ids of the last two."""
    with transaction(container.sessions) as s:
        artists = [f.artist(s, name) for name in ARTISTS]
        for i in range(23):
            f.album(s, f"{TITLES[i % len(TITLES)]} {i // len(TITLES)}", artists[(i * 5) % len(artists)])
        ad = f.album(s, "Aaa Advert", artists[2])
        ad.is_ad = True
        withdrawn = f.album(s, "Aaa Gone", artists[2])
        withdrawn.status = "withdrawn"
        return {ad.id, withdrawn.id}


def _plain(container: Container, kind: str) -> list[int]:
    """The whole list as one plain ORDER BY read (the keyset module's OFFSET statement; newest by id)."""
    with transaction(container.sessions) as s:
        if kind == "newest":
            return list(s.scalars(select(Album.id).where(music_album()).order_by(Album.id.desc())))
        statement = _keyset._statements(kind, True, s.get_bind().dialect.name == "sqlite").first
        return [row[0] for row in statement.rows(s.connection(), {"limit": 1000, "offset": 0})]


def _page(container: Container, kind: str, offset: int, size: int) -> list[int]:
    with transaction(container.sessions) as s:
        listed = library.catalogue_list(s, kind=kind, limit=size, offset=offset)
        rows = s.execute(select(Album.id, Album.public_id).where(Album.id.in_(listed.ids)))
        public = {row.id: row.public_id for row in rows}
    assert list(listed.public_ids) == [public[i] for i in listed.ids]  # each row id beside its own public id
    return list(listed.ids)


def _chunks(container: Container) -> dict[Any, Any]:
    return {key: value for key, (value, _) in container.catalogue_cache.lists._items.items()}


@pytest.mark.parametrize("kind", library.SHARED_ALBUM_LISTS)
def test_every_page_reads_what_plain_offset_reads(container: Container, kind: str) -> None:
    hidden = _catalogue(container)
    whole = _plain(container, kind)
    assert len(whole) == 23 and not hidden & set(whole)
    for _ in range(2):  # cold, then from the kept chunks
        for offset in [9, 5, 0, 3, 4, 12, 20, 22, 23, 24, 100, 17]:  # out of order: marks found from either side
            for size in (0, 1, 4, 7, 30):
                assert _page(container, kind, offset, size) == whole[offset : offset + size], (offset, size)
    assert _plain(container, kind) == whole


@pytest.mark.parametrize("kind", library.SHARED_ALBUM_LISTS)
def test_a_catalogue_change_drops_every_chunk(container: Container, kind: str) -> None:
    _catalogue(container)
    before = _page(container, kind, 12, 4)
    assert _chunks(container)
    with transaction(container.sessions) as s:  # sorts first in every list: newest, by title, by artist
        first = f.album(s, "Aaaa First", f.artist(s, "Aaaa First Artist")).id
    whole = _plain(container, kind)
    assert whole[0] == first
    after = _page(container, kind, 12, 4)
    assert after == whole[12:16] and after[1:] == before[:3]
    with transaction(container.sessions) as s:  # withdrawn: it leaves every position at once
        row = s.get(Album, first)
        assert row is not None
        row.status = "withdrawn"
    assert _page(container, kind, 12, 4) == before


@pytest.mark.parametrize("kind", library.SHARED_ALBUM_LISTS)
def test_a_transaction_that_changed_the_catalogue_reads_its_own_list(container: Container, kind: str) -> None:
    _catalogue(container)
    _page(container, kind, 0, 8)  # chunks kept
    with container.sessions() as s, s.begin():  # rolled back on leaving: never committed
        first = f.album(s, "Aaaa Own", f.artist(s, "Aaaa Own Artist")).id
        listed = library.catalogue_list(s, kind=kind, limit=8, offset=0)
        assert listed.ids[0] == first  # not the kept chunk: this transaction's own write
        s.rollback()
    assert first not in _page(container, kind, 0, 30)


def test_walking_a_whole_list_keeps_one_chunk_per_step(container: Container) -> None:
    _catalogue(container)
    for offset in range(0, 200):
        _page(container, "newest", offset, 1)
    kept = _chunks(container)
    chunks = sorted(k[2] for k in kept if k[0] == "newest")
    assert chunks == list(range(0, 23, STEP))  # 0, 4, ... 20: nothing kept past the end
    assert kept[("end", "newest", True)] == 23  # where the list ends, so later offsets read nothing
    assert len(kept) == len(chunks) + 1


@pytest.mark.parametrize("kind", ["newest", "alphabeticalByName", "alphabeticalByArtist"])
def test_offsets_far_past_the_end_read_once(container: Container, kind: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The first page asked past the list's end learns its length; no later offset past it reads again (review,
    session 11: each lower offset past the end read the list once more, by OFFSET)."""
    _catalogue(container)
    reads: list[int] = []
    real = _shared_lists._read

    def counted(*args: Any) -> Any:
        reads.append(args[-1])
        return real(*args)

    monkeypatch.setattr(_shared_lists, "_read", counted)
    for offset in (10_000_000, 9_999_900, 9_999_800, 5_000_000, 24):  # the list holds 23
        assert _page(container, kind, offset, 10) == []
    assert reads == [10_000_000]
    assert _page(container, kind, 20, 10) == _plain(container, kind)[20:]  # the list itself is unchanged
