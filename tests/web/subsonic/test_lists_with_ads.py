"""Subsonic lists with ad releases in the catalogue: ads are left out inside the SQL, before paging, so every
page is full and paging walks all the music exactly once (a filter after LIMIT/OFFSET returned short pages)."""

from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient

from encore.accounts import get_user_by_name
from encore.bootstrap import Container
from encore.catalog import AlbumGenre, Genre, TrackGenre, mark_as_ad
from encore.db import transaction
from encore.devices import create_device
from encore.library import Rating, SavedAlbum
from tests.catalog import factories as f

MUSIC, ADS, PAGE = 6, 5, 2


def _rest(client: TestClient, key: str, method: str, **params: str) -> dict[str, Any]:
    body: dict[str, Any] = client.get(f"/rest/{method}", params={"apiKey": key, "f": "json", **params}).json()
    answer: dict[str, Any] = body["subsonic-response"]
    assert answer["status"] == "ok", answer
    return answer


@pytest.fixture
def world(container: Container, listener: str) -> tuple[str, set[str], set[str]]:
    """Music and ad releases interleaved in every order a list uses: id, title, artist, year, genre; the
    listener starred and rated all of them (the ads before they became ads). Returns key, albums, songs."""
    now = container.clock.now()
    secret = container.settings.secret_key.get_secret_value().encode()
    albums: set[str] = set()
    songs: set[str] = set()
    with transaction(container.sessions) as s:
        user = get_user_by_name(s, username=listener)
        assert user is not None
        key = create_device(s, user_id=user.id, name="phone", secret=secret, now=now).api_key
        rock = Genre(name="Rock", key="rock")
        s.add(rock)
        artists = [f.artist(s, name) for name in ("Alpha", "Bravo", "Charlie")]
        for n in range(MUSIC + ADS):
            ad = n % 2 == 1 and n // 2 < ADS
            by = artists[n % 3]
            album = f.album(
                s, f"{chr(ord('A') + n)} {'spot' if ad else 'record'}", by, released=date(2000 + n % 4, 1, 1)
            )
            track = f.track(s, f"Song {n}", album, [by])
            s.add_all(
                [AlbumGenre(album_id=album.id, genre_id=rock.id), TrackGenre(track_id=track.id, genre_id=rock.id)]
            )
            s.add(SavedAlbum(user_id=user.id, album_id=album.id, saved_at=now))
            s.add(Rating(user_id=user.id, kind="album", item_id=album.id, rating=1 + n % 5, rated_at=now))
            s.flush()
            if ad:
                mark_as_ad(s, track=track)
            else:
                albums.add(f"al-{album.public_id}")
                songs.add(f"tr-{track.public_id}")
    assert len(albums) == MUSIC
    return key, albums, songs


def _walk(fetch: Any) -> set[str]:
    """Page through a list PAGE at a time: every page before the last is full, and nothing repeats."""
    seen: list[str] = []
    for offset in range(0, MUSIC + ADS + PAGE, PAGE):
        page = fetch(offset)
        if offset < MUSIC:
            assert len(page) == PAGE, (offset, page)
        seen.extend(page)
    assert len(seen) == len(set(seen)), seen
    return set(seen)


LISTS = [
    {"type": "newest"},
    {"type": "alphabeticalByName"},
    {"type": "alphabeticalByArtist"},
    {"type": "starred"},
    {"type": "highest"},
    {"type": "byYear", "fromYear": "1990", "toYear": "2010"},
    {"type": "byGenre", "genre": "Rock"},
]


@pytest.mark.parametrize("kind", LISTS, ids=[k["type"] for k in LISTS])
def test_album_list_pages_are_full_and_hold_no_ads(
    client: TestClient, world: tuple[str, set[str], set[str]], kind: dict[str, str]
) -> None:
    key, albums, _ = world
    for method, field in (("getAlbumList2", "albumList2"), ("getAlbumList", "albumList")):

        def fetch(offset: int, method: str = method, field: str = field) -> list[str]:
            body = _rest(client, key, method, size=str(PAGE), offset=str(offset), **kind)
            return [a["id"] for a in body[field].get("album", [])]

        assert _walk(fetch) == albums, method


def test_song_lists_pages_are_full_and_hold_no_ads(client: TestClient, world: tuple[str, set[str], set[str]]) -> None:
    key, albums, songs = world

    def by_genre(offset: int) -> list[str]:
        body = _rest(client, key, "getSongsByGenre", genre="Rock", count=str(PAGE), offset=str(offset))
        return [x["id"] for x in body["songsByGenre"].get("song", [])]

    def everything(offset: int) -> list[str]:
        body = _rest(
            client,
            key,
            "search3",
            query="",
            songCount=str(PAGE),
            songOffset=str(offset),
            albumCount="0",
            artistCount="0",
        )
        return [x["id"] for x in body["searchResult3"].get("song", [])]

    assert _walk(by_genre) == songs
    assert _walk(everything) == songs
    # Random picks draw from music only, so asking for as many as there are returns them all.
    random_songs = _rest(client, key, "getRandomSongs", size=str(MUSIC))["randomSongs"]["song"]
    assert {x["id"] for x in random_songs} == songs
    random_albums = _rest(client, key, "getAlbumList2", type="random", size=str(MUSIC))["albumList2"]["album"]
    assert {a["id"] for a in random_albums} == albums
    genres = _rest(client, key, "getGenres")["genres"]["genre"]
    assert [(g["value"], g["songCount"]) for g in genres] == [("Rock", MUSIC)]


def test_play_based_lists_run_with_the_ad_filter(client: TestClient, world: tuple[str, set[str], set[str]]) -> None:
    key, _, _ = world
    for kind in ("frequent", "recent"):  # nothing played yet: empty, but the filtered SQL runs on both backends
        assert _rest(client, key, "getAlbumList2", type=kind, size="5")["albumList2"].get("album", []) == [], kind
