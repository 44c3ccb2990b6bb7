"""Buy links over the API; the redirect only ever leads to a configured retailer; clicks are counted by POST,
once per listener (or client) per item per day, so they cannot be inflated (#15 hole 8, #18)."""

from datetime import date, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from encore.accounts import create_user
from encore.bootstrap import Container
from encore.catalog import Album, ReleaseStatus, Track
from encore.db import transaction
from encore.kernel import FixedClock
from encore.retail import BuyClick, click_counts
from tests.catalog import factories as f
from tests.web.conftest import login

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
            "label": "Shop",  # the template names the album by UPC: the product page
            "url": "https://shop.example/album/0724352440427",
            "click_url": f"/api/buy/album/{album}/Shop",
        },
        {
            "retailer": "Search",
            "label": "Search Search",  # artist + title can only search
            "url": "https://find.example/?q=Sigur%20R%C3%B3s%20%C3%81g%C3%A6tis%20byrjun",
            "click_url": f"/api/buy/album/{album}/Search",
        },
    ]
    track_links = client.get(f"/api/tracks/{track}/buy-links").json()
    assert [x["url"] for x in track_links][1] == "https://find.example/?q=Sigur%20R%C3%B3s%20Svefn-g-englar"
    assert client.get("/api/albums/AAAAAAAAAAAAAAAAAAAAAA/buy-links").status_code == 404


def test_click_redirects_to_the_retailer_and_a_post_is_counted(client: TestClient, container: Container) -> None:
    album, track = _catalogue(container)
    r = client.get(f"/api/buy/album/{album}/Shop", follow_redirects=False)
    assert r.status_code == 302 and r.headers["location"] == "https://shop.example/album/0724352440427"
    with container.sessions() as s:
        assert click_counts(s) == {}  # a GET anyone can repeat counts nothing
    r = client.post(f"/api/buy/album/{album}/Shop")
    assert r.json() == {"url": "https://shop.example/album/0724352440427", "counted": True}
    client.post(f"/api/buy/track/{track}/Search")
    with container.sessions() as s:
        assert click_counts(s) == {"Search": 1, "Shop": 1}


def test_clicks_cannot_be_inflated(client: TestClient, container: Container) -> None:
    album, track = _catalogue(container)
    for _ in range(50):
        client.get(f"/api/buy/album/{album}/Shop", follow_redirects=False)
        client.post(f"/api/buy/album/{album}/Shop")
        client.post(f"/api/buy/album/{album}/Search")  # the same item at another shop: still one interest
    assert client.post(f"/api/buy/album/{album}/Shop").json()["counted"] is False
    client.post(f"/api/buy/track/{track}/Shop")  # another item counts on its own
    with container.sessions() as s:
        assert sum(click_counts(s).values()) == 2
    container.clock = FixedClock(container.clock.now() + timedelta(days=1))
    assert client.post(f"/api/buy/album/{album}/Shop").json()["counted"] is True  # a new day


def test_signed_in_listeners_count_once_each(client: TestClient, container: Container) -> None:
    album, _ = _catalogue(container)
    with transaction(container.sessions) as s:
        for name in ("ann", "ben"):
            create_user(s, username=name, password="password-123")
    for name in ("ann", "ben", "ann"):
        token = login(client, name, "password-123")
        for _ in range(3):
            client.post(f"/api/buy/album/{album}/Shop", headers={"Authorization": f"Bearer {token}"})
    with container.sessions() as s:
        assert click_counts(s) == {"Shop": 2}


def test_no_buy_links_before_release_unless_preorders(client: TestClient, container: Container) -> None:
    album, track = _catalogue(container)
    with transaction(container.sessions) as s:
        row = s.scalar(select(Album).where(Album.public_id == album))
        assert row is not None
        row.release_date = container.clock.now().date() + timedelta(days=30)
    assert client.get(f"/api/albums/{album}/buy-links").json() == []
    assert client.get(f"/api/tracks/{track}/buy-links").json() == []
    assert client.get(f"/api/buy/album/{album}/Shop", follow_redirects=False).status_code == 404
    assert client.post(f"/api/buy/album/{album}/Shop").status_code == 404
    container.settings = container.settings.model_copy(update={"retail_preorders": True})
    assert [x["retailer"] for x in client.get(f"/api/albums/{album}/buy-links").json()] == ["Shop", "Search"]


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
        posted = client.post(path)
        if posted.status_code == 200:
            assert posted.json()["url"].startswith("https://shop.example/"), path
        else:
            assert posted.status_code in (404, 405, 422), path
    with container.sessions() as s:
        assert s.scalar(select(func.count()).select_from(BuyClick)) == 1  # only the ?url= one, to the real shop


def test_a_withdrawn_release_has_no_buy_links_nor_a_shop_redirect(client: TestClient, container: Container) -> None:
    """A label's draft or withdrawn release answered its title and album through its buy links: not listed,
    not sold (the same 404 as an unknown id)."""
    album, track = _catalogue(container)
    with transaction(container.sessions) as s:
        row = s.scalars(select(Album).where(Album.public_id == album)).one()
        row.status = ReleaseStatus.WITHDRAWN.value
        for t in s.scalars(select(Track).where(Track.album_id == row.id)):
            t.status = ReleaseStatus.WITHDRAWN.value
    for path in (f"/api/albums/{album}/buy-links", f"/api/tracks/{track}/buy-links", f"/api/buy/album/{album}/Shop"):
        r = client.get(path, follow_redirects=False)
        assert r.status_code == 404, (path, r.status_code, r.text)
    assert client.post(f"/api/buy/track/{track}/Shop").status_code == 404
