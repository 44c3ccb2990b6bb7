"""/v1's reads of several objects (`/v1/tracks?ids=`, `/v1/artists/{id}/albums`) are built from the catalogue's
kept views, the ones a single object's read uses: each entry is what the single read answers, unlisted tracks
and albums (drafts, ads, unknown ids) are `null` or absent, and the answers are the same on both databases."""

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from encore.bootstrap import Container
from encore.catalog import Album, AlbumArtist, Artist, Track
from encore.db import transaction
from encore.kernel import FixedClock
from encore.web import create_app
from tests.support.postgres import PostgresServer
from tests.web.spotify.conftest import PASSWORD, public_container
from tests.web.spotify.flows import client_token, login, register_app

PUBLIC = "http://localhost"
UNKNOWN = "0" * 22  # well formed, no such track


@pytest.fixture(params=["sqlite", "postgresql"])
def api(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[TestClient, Container]]:
    server: PostgresServer | None = request.getfixturevalue("postgres") if request.param == "postgresql" else None
    clock = FixedClock(datetime(2026, 6, 1, 12, 0, tzinfo=UTC))
    with public_container(tmp_path, server, clock, PUBLIC) as c, TestClient(create_app(c), base_url=PUBLIC) as client:
        login(client, "alice", PASSWORD)
        yield client, c


def test_several_tracks_are_each_the_single_read(api: tuple[TestClient, Container]) -> None:
    client, c = api
    with transaction(c.sessions) as s:
        tracks = list(s.scalars(select(Track).order_by(Track.id).limit(4)))
        ids = [t.public_id for t in tracks]
        s.execute(update(Track).where(Track.id == tracks[3].id).values(status="draft"))  # before any read is kept
    headers = {"Authorization": f"Bearer {client_token(client, register_app(client))}"}
    asked = [ids[0], ids[1], UNKNOWN, ids[3], ids[2], ids[0]]

    many = client.get(f"/v1/tracks?ids={','.join(asked)}", headers=headers)

    assert many.status_code == 200, many.text
    singles = {i: client.get(f"/v1/tracks/{i}", headers=headers) for i in ids}
    assert singles[ids[3]].status_code == 404  # the draft is not listed, alone or among others
    first, second, third = (singles[i].json() for i in ids[:3])
    expected = [first, second, None, None, third, first]
    assert many.json()["tracks"] == expected
    # asked again (now from the kept views): the same answer
    assert client.get(f"/v1/tracks?ids={','.join(asked)}", headers=headers).json() == many.json()


def test_an_artists_albums_are_its_listed_albums_newest_first(api: tuple[TestClient, Container]) -> None:
    client, c = api
    with transaction(c.sessions) as s:
        artist_id, artist = s.execute(
            select(Artist.id, Artist.public_id)
            .join(AlbumArtist, AlbumArtist.artist_id == Artist.id)
            .order_by(Artist.id)
            .limit(1)
        ).one()
        for title, status in (("Later", "published"), ("Unreleased", "draft")):  # before any read is kept
            made = Album(title=title, album_key=f"test {title}", release_date=date(2030, 1, 1), status=status)
            s.add(made)
            s.flush()
            s.add(AlbumArtist(album_id=made.id, artist_id=artist_id))
        s.flush()
        albums = s.execute(
            select(Album.id, Album.public_id, Album.release_date)
            .join(AlbumArtist, AlbumArtist.album_id == Album.id)
            .where(AlbumArtist.artist_id == artist_id, Album.status == "published", Album.is_ad.is_(False))
        ).all()
    listed = sorted(
        albums,
        key=lambda a: (a.release_date is not None, a.release_date or date.min, a.id),
        reverse=True,
    )
    headers = {"Authorization": f"Bearer {client_token(client, register_app(client))}"}

    page = client.get(f"/v1/artists/{artist}/albums?limit=50", headers=headers)

    assert page.status_code == 200, page.text
    assert page.json()["total"] == len(listed)
    assert [a["id"] for a in page.json()["items"]] == [a.public_id for a in listed]
    assert page.json()["items"][0]["name"] == "Later"  # the newest; the draft beside it is not listed
    for item in page.json()["items"]:
        full = client.get(f"/v1/albums/{item['id']}", headers=headers).json()
        assert {k: full[k] for k in ("name", "album_type", "total_tracks", "release_date", "artists")} == {
            k: item[k] for k in ("name", "album_type", "total_tracks", "release_date", "artists")
        }
