"""Buy links over the API and the counted redirect, which only ever leads to a configured retailer."""

from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from encore.bootstrap import Container
from encore.db import transaction
from encore.retail import BuyClick, click_counts
from tests.catalog import factories as f

RETAILERS = {"Shop": "https://shop.example/album/{upc}", "Search": "https://find.example/?q={artist}%20{title}"}


def _catalogue(container: Container) -> tuple[str, str]:
    container.settings = container.settings.model_copy(update={"retailers": RETAILERS})
    with transaction(container.sessions) as s:
        label = f.label(s, "Indie")
        artist = f.artist(s, "Sigur Rós")
        album = f.album(s, "Ágætis byrjun", artist, released=date(1999, 6, 12), on=label)
        album.upc = "0724352440427"
        track = f.track(s, "Svefn-g-englar", album, [artist])
        track.isrc = "GBAYE9900001"
        return album.public_id, track.public_id


def test_album_and_track_links(client: TestClient, container: Container) -> None:
    album, track = _catalogue(container)
    links = client.get(f"/api/albums/{album}/buy-links").json()
    assert links == [
        {
            "retailer": "Shop",
            "url": "https://shop.example/album/0724352440427",
            "click_url": f"/api/buy/album/{album}/Shop",
        },
        {
            "retailer": "Search",
            "url": "https://find.example/?q=Sigur%20R%C3%B3s%20%C3%81g%C3%A6tis%20byrjun",
            "click_url": f"/api/buy/album/{album}/Search",
        },
    ]
    track_links = client.get(f"/api/tracks/{track}/buy-links").json()
    assert [x["url"] for x in track_links][1] == "https://find.example/?q=Sigur%20R%C3%B3s%20Svefn-g-englar"
    assert client.get("/api/albums/AAAAAAAAAAAAAAAAAAAAAA/buy-links").status_code == 404


def test_click_redirects_to_the_retailer_and_is_counted(client: TestClient, container: Container) -> None:
    album, track = _catalogue(container)
    r = client.get(f"/api/buy/album/{album}/Shop", follow_redirects=False)
    assert r.status_code == 302 and r.headers["location"] == "https://shop.example/album/0724352440427"
    client.get(f"/api/buy/track/{track}/Search", follow_redirects=False)
    with container.sessions() as s:
        assert click_counts(s) == {"Search": 1, "Shop": 1}


def test_no_open_redirect(client: TestClient, container: Container) -> None:
    album, _ = _catalogue(container)
    for path in (
        f"/api/buy/album/{album}/Evil",
        f"/api/buy/album/{album}/https:%2F%2Fevil.example",
        f"/api/buy/album/{album}/Shop?url=https://evil.example",
        "/api/buy/album/AAAAAAAAAAAAAAAAAAAAAA/Shop",
        f"/api/buy/user/{album}/Shop",
    ):
        r = client.get(path, follow_redirects=False)
        if r.status_code == 302:
            assert r.headers["location"].startswith("https://shop.example/"), path
        else:
            assert r.status_code in (404, 422), path
    with container.sessions() as s:
        assert s.scalar(select(func.count()).select_from(BuyClick)) == 1  # only the ?url= one, to the real shop
