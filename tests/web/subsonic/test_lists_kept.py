"""Album lists from kept chunks (#16): the positions of a list that is the same for every listener (newest,
alphabetical) are kept in chunks (apart from the views and the search's pages), and random lists are drawn from a
kept pool, so they must follow every catalogue change at once, and the caller's own stars and ratings must
still be read on every request and never shown to anyone else. Pure reads (album lists, getAlbum) run without
the ORM session's transaction: what they do write (a device's last use) must still be committed. And the
list's hostile inputs, on both databases."""

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from encore.accounts import create_user
from encore.bootstrap import Container, build
from encore.catalog import Album, AlbumGenre, Genre, identity_key, mark_as_ad
from encore.config import Settings
from encore.db import transaction
from encore.devices import Device, create_device
from encore.web import create_app
from tests.catalog import factories as f

SHARED = ("newest", "alphabeticalByName", "alphabeticalByArtist")
# (title, artist, year, genre): titles, artists and years in different orders, so each list has its own
YEARS = [("Mango", "Quill", 2001, "Rock"), ("Kite", "Birch", 1999, "Électro"), ("Opal", "Hale", 2005, "Rock")]
ALBUMS = [*YEARS, ("Lumen", "Drift", 2003, "Électro"), ("Nadir", "Cove", 1997, "Rock"), ("Pylon", "Fern", 2008, "Rock")]


def _rest(client: TestClient, key: str, method: str, **params: str) -> dict[str, Any]:
    r = client.get(f"/rest/{method}", params={"apiKey": key, "f": "json", **params})
    assert r.status_code == 200, r.text
    answer: dict[str, Any] = r.json()["subsonic-response"]
    return answer


def _ids(client: TestClient, key: str, **params: str) -> list[str]:
    answer = _rest(client, key, "getAlbumList2", **params)
    assert answer["status"] == "ok", answer
    return [a["id"] for a in answer["albumList2"].get("album", [])]


def _key(container: Container, username: str) -> str:
    secret = container.settings.secret_key.get_secret_value().encode()
    with transaction(container.sessions) as s:
        user = create_user(s, username=username, password="account-pass-123")
        return create_device(s, user_id=user.id, name="phone", secret=secret, now=container.clock.now()).api_key


def _kept(container: Container) -> tuple[set[tuple[object, ...]], int, int]:
    """The album lists' chunks the process keeps, and how many views and search pages it keeps."""
    cache = container.catalogue_cache
    return set(cache.lists._items), len(cache.views), len(cache.pages)


@pytest.fixture
def world(container: Container) -> dict[str, Any]:
    """Six albums (ids by title), two genres, and two listeners' keys."""
    return _world(container)


@pytest.fixture(scope="module")
def refusing(module_database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, str]]:
    """One app per backend on the same world, for the hostile parameters: each case is refused before any list
    is read or kept (an accepted case would fail its assertion), so no case sees another's effect."""
    settings = Settings(
        mode="dev", data_dir=tmp_path_factory.mktemp("lists-hostile") / "var", database_url=module_database_url
    )
    container = build(settings)
    try:
        me = _world(container)["me"]
        with TestClient(create_app(container), base_url="http://testserver") as client:
            yield client, me
    finally:
        container.close()


def _world(container: Container) -> dict[str, Any]:
    ids: dict[str, str] = {}
    with transaction(container.sessions) as s:
        genres = {name: Genre(name=name, key=identity_key(name)) for name in ("Rock", "Électro")}
        s.add_all(genres.values())
        for title, by, year, genre in ALBUMS:
            artist = f.artist(s, by)
            album = f.album(s, title, artist, released=date(year, 6, 1))
            f.track(s, f"{title} song", album, [artist])
            s.flush()
            s.add(AlbumGenre(album_id=album.id, genre_id=genres[genre].id))
            ids[title] = f"al-{album.public_id}"
    return {"ids": ids, "me": _key(container, "me"), "other": _key(container, "other")}


@pytest.mark.parametrize("kind", SHARED)
def test_a_kept_page_follows_every_catalogue_change(
    client: TestClient, container: Container, world: dict[str, Any], kind: str
) -> None:
    key, ids = world["me"], world["ids"]
    first = _ids(client, key, type=kind, size="3", offset="1")
    assert (kind, False, 0) in _kept(container)[0]
    assert _ids(client, key, type=kind, size="3", offset="1") == first  # asked again: the kept page
    whole = _ids(client, key, type=kind, size="50")
    assert len(whole) == len(ALBUMS) and first == whole[1:4]

    with transaction(container.sessions) as s:  # sorts first in every list: newest, by title, by artist
        band = f.artist(s, "Aaaa Band")
        album = f.album(s, "Aaaa Debut", band, released=date(2020, 1, 1))
        track = f.track(s, "Aaaa song", album, [band])
        added = f"al-{album.public_id}"
    assert _ids(client, key, type=kind, size="3", offset="1") == whole[0:3]
    assert _ids(client, key, type=kind, size="1")[0] == added

    with transaction(container.sessions) as s:  # an album becomes an ad release: it leaves every page
        mark_as_ad(s, track=track)
    assert _ids(client, key, type=kind, size="3", offset="1") == first
    assert added not in _ids(client, key, type=kind, size="50")

    gone = whole[0]
    with transaction(container.sessions) as s:  # withdrawn (an edit through the ORM, as an admin fix would be)
        row = s.scalar(select(Album).where(Album.public_id == gone.removeprefix("al-")))
        assert row is not None
        row.status = "withdrawn"
    assert _ids(client, key, type=kind, size="50") == [i for i in whole if i != gone]
    assert ids  # the fixture's albums were all listed above


def test_a_crawl_of_pages_never_evicts_the_views_nor_the_search_pages(
    client: TestClient, container: Container, world: dict[str, Any]
) -> None:
    """Review (session 10): pages were kept among the views, so one account asking offset after offset could
    push every face's album and track views out of the one store they share. Chunks live in their own store,
    one per 100 positions of a list, and offsets past a list's end keep nothing."""
    key = world["me"]
    assert client.get("/api/search", params={"q": "mango"}).status_code == 200
    _ids(client, key, type="newest", size="50")
    kept, views, pages = _kept(container)
    assert views > 0 and pages > 0
    for offset in [*range(0, 8), *range(990, 1_010), 10_000_000]:  # in the list, and far past its end
        assert _ids(client, key, type="newest", size="1", offset=str(offset)) == (
            [_ids(client, key, type="newest", size="50")[offset]] if offset < len(ALBUMS) else []
        )
    assert _kept(container) == (kept, views, pages)  # one chunk and the list's end, as after the first page
    assert kept == {("newest", False, 0), ("end", "newest", False)}


def test_random_lists_are_random_and_never_show_a_hidden_album(
    client: TestClient, container: Container, world: dict[str, Any]
) -> None:
    key, ids = world["me"], world["ids"]
    assert set(_ids(client, key, type="random", size="50")) == set(ids.values())
    firsts = {_ids(client, key, type="random", size="3")[0] for _ in range(40)}
    assert len(firsts) > 1  # not one fixed order (all 40 alike: a chance of 6 ** -39)
    with transaction(container.sessions) as s:  # one withdrawn, one turned into an ad release
        gone = s.scalar(select(Album).where(Album.public_id == ids["Mango"].removeprefix("al-")))
        assert gone is not None
        gone.status = "withdrawn"
    with transaction(container.sessions) as s:
        track = f.track(s, "Ad jingle", f.album(s, "Ad release", f.artist(s, "Advertiser")), [f.artist(s, "Voice")])
        mark_as_ad(s, track=track)
    for _ in range(20):
        got = _ids(client, key, type="random", size="50")
        assert set(got) == set(ids.values()) - {ids["Mango"]}, got
        assert len(_ids(client, key, type="random", size="3")) == 3


@pytest.mark.parametrize("kind", SHARED)
def test_the_callers_marks_on_a_kept_page_are_read_on_every_request_and_are_theirs_alone(
    client: TestClient, world: dict[str, Any], kind: str
) -> None:
    me, other = world["me"], world["other"]
    page = _ids(client, me, type=kind, size="4")
    target = page[2]

    def shown(key: str) -> dict[str, Any]:
        albums = _rest(client, key, "getAlbumList2", type=kind, size="4")["albumList2"]["album"]
        return next(a for a in albums if a["id"] == target)

    assert "starred" not in shown(me) and "userRating" not in shown(me)
    assert _rest(client, me, "star", albumId=target)["status"] == "ok"
    assert _rest(client, me, "setRating", id=target, rating="4")["status"] == "ok"
    mine = shown(me)
    assert mine["starred"] and mine["userRating"] == 4
    theirs = shown(other)  # the same kept page, asked by another listener: none of my marks
    assert "starred" not in theirs and "userRating" not in theirs
    assert _ids(client, other, type="starred") == [] and _ids(client, me, type="starred") == [target]
    assert _rest(client, me, "unstar", albumId=target)["status"] == "ok"
    assert _rest(client, me, "setRating", id=target, rating="0")["status"] == "ok"
    assert "starred" not in shown(me) and "userRating" not in shown(me)
    for album in _rest(client, me, "getAlbumList2", type=kind, size="4")["albumList2"]["album"]:
        assert "starred" not in album and "userRating" not in album  # the kept shapes were never changed


@pytest.mark.parametrize("method", ["getAlbumList2", "getAlbum"])
def test_a_pure_read_still_commits_the_devices_last_use(
    client: TestClient, container: Container, world: dict[str, Any], method: str
) -> None:
    with transaction(container.sessions) as s:
        s.execute(update(Device).values(last_used_at=None))
    params = {"type": "newest", "size": "2"} if method == "getAlbumList2" else {"id": world["ids"]["Opal"]}
    assert _rest(client, world["me"], method, **params)["status"] == "ok"
    with transaction(container.sessions) as s:
        used = [at for at in s.scalars(select(Device.last_used_at)) if at is not None]
    assert len(used) == 1  # the caller's device, and only it


def _code(answer: dict[str, Any]) -> int | None:
    return answer["error"]["code"] if answer["status"] == "failed" else None


@pytest.mark.parametrize("method", ["getAlbumList", "getAlbumList2"])
@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"type": "mostPopularEver"}, 0),
        ({"type": "NEWEST"}, 0),
        ({"type": "newest%"}, 0),
        ({"type": ""}, 10),
        ({}, 10),
        ({"type": "newest", "size": "-1"}, 0),
        ({"type": "newest", "size": "501"}, 0),
        ({"type": "newest", "size": str(10**30)}, 0),
        ({"type": "newest", "size": "ten"}, 0),
        ({"type": "newest", "size": "1e3"}, 0),
        ({"type": "newest", "size": "٣"}, 0),  # an Arabic-Indic digit: a digit to Python, not a number here
        ({"type": "newest", "size": "0x10"}, 0),
        ({"type": "alphabeticalByName", "offset": "-20"}, 0),
        ({"type": "alphabeticalByName", "offset": "10000001"}, 0),
        ({"type": "alphabeticalByArtist", "offset": "1.5"}, 0),
        ({"type": "alphabeticalByArtist", "offset": "\x00"}, 0),
        ({"type": "byYear", "fromYear": "2000"}, 10),  # a required parameter missing (probe21a F5)
        ({"type": "byYear", "fromYear": "0", "toYear": "2000"}, 0),
        ({"type": "byYear", "fromYear": "x", "toYear": "2000"}, 0),
        ({"type": "byGenre"}, 10),
        ({"type": "newest", "fromYear": "abc"}, 0),  # checked whatever the type, as before
    ],
)
def test_hostile_list_parameters_are_subsonic_errors(
    refusing: tuple[TestClient, str], method: str, params: dict[str, str], error: int
) -> None:
    client, me = refusing
    assert _code(_rest(client, me, method, **params)) == error


def test_list_bounds_and_filters_answer_exactly(client: TestClient, world: dict[str, Any]) -> None:
    key, ids = world["me"], world["ids"]
    assert _ids(client, key, type="newest", size="0") == []
    assert _ids(client, key, type="newest", offset="10000000") == []
    assert len(_ids(client, key, type="newest", size="500")) == len(ALBUMS)
    assert _ids(client, key, type="alphabeticalByName", size="2", offset="4") == [ids["Opal"], ids["Pylon"]]
    by_year = [ids[t] for t, _, _, _ in sorted(ALBUMS, key=lambda a: a[2]) if 1999 <= _year(t) <= 2005]
    assert _ids(client, key, type="byYear", fromYear="1999", toYear="2005", size="50") == by_year
    # fromYear > toYear: the same years, newest first (as the specification says)
    assert _ids(client, key, type="byYear", fromYear="2005", toYear="1999", size="50") == by_year[::-1]
    rock = {ids[t] for t, _, _, g in ALBUMS if g == "Rock"}
    assert set(_ids(client, key, type="byGenre", genre="Rock", size="50")) == rock
    assert set(_ids(client, key, type="byGenre", genre="rOCK", size="50")) == rock
    electro = {ids[t] for t, _, _, g in ALBUMS if g == "Électro"}
    for spelling in ("Électro", "éLECTRO", "ÉLECTRO", " électro "):  # the same on both databases
        assert set(_ids(client, key, type="byGenre", genre=spelling, size="50")) == electro, spelling
    for wildcard in ("%", "_", "R%", "Roc_", "%ock", "Électr_", "' OR 1=1 --", "Rock\x00"):  # a value, not SQL
        assert _ids(client, key, type="byGenre", genre=wildcard, size="50") == [], wildcard


def _year(title: str) -> int:
    return next(y for t, _, y, _ in ALBUMS if t == title)
