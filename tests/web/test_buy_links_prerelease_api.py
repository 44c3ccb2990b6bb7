"""Buy links for what is not out yet (#18): a track held back by its pre-release exclusive has none (no
redirect, no counted click) until its date, unless the operator sells pre-orders, and then the links say so;
links by ISRC lead to the product, by name only to a search."""

from datetime import UTC, date, datetime, timedelta

from fastapi.testclient import TestClient

from encore import billing, exclusives
from encore.bootstrap import Container
from encore.db import transaction
from encore.kernel import FixedClock
from tests.catalog import factories as f

RETAILERS = {"Shop": "https://shop.example/isrc/{isrc}", "Finder": "https://find.example/?q={artist}%20{title}"}


def _prerelease(container: Container) -> tuple[str, str]:
    container.clock = FixedClock(datetime(2026, 12, 2, 12, tzinfo=UTC))
    container.settings = container.settings.model_copy(update={"retailers": RETAILERS})
    with transaction(container.sessions) as s:
        label = f.label(s, "Indie")
        artist = f.artist(s, "Band")
        album = f.album(s, "Out now", artist, released=date(2026, 1, 1), on=label)
        out, held = f.track(s, "Single", album, [artist]), f.track(s, "Next single", album, [artist], number=2)
        out.isrc, held.isrc = "GBAYE2600001", "GBAYE2600002"
        s.flush()
        exclusives.create_exclusive(
            s,
            label_id=label.id,
            kind="prerelease",
            title="Next single, early",
            description="",
            album_id=album.public_id,
            artist_id=None,
            track_id=held.public_id,
            availability=billing.Availability.PRERELEASE,
            release_at=datetime(2026, 12, 20, 9, tzinfo=UTC),
            now=datetime(2026, 12, 1, tzinfo=UTC),
        )
        return out.public_id, held.public_id


def test_a_prerelease_track_has_no_buy_links_until_its_date(client: TestClient, container: Container) -> None:
    out, held = _prerelease(container)
    assert [x["label"] for x in client.get(f"/api/tracks/{out}/buy-links").json()] == ["Shop", "Search Finder"]
    assert client.get(f"/api/tracks/{held}/buy-links").json() == []
    assert client.get(f"/api/buy/track/{held}/Shop", follow_redirects=False).status_code == 404
    assert client.post(f"/api/buy/track/{held}/Shop").status_code == 404  # nothing counted for it either
    container.clock = FixedClock(datetime(2026, 12, 20, 9, tzinfo=UTC) + timedelta(minutes=1))
    links = client.get(f"/api/tracks/{held}/buy-links").json()
    assert [(x["label"], x["url"]) for x in links] == [
        ("Shop", "https://shop.example/isrc/GBAYE2600002"),
        ("Search Finder", "https://find.example/?q=Band%20Next%20single"),
    ]


def test_preorders_when_configured_say_pre_order(client: TestClient, container: Container) -> None:
    out, held = _prerelease(container)
    container.settings = container.settings.model_copy(update={"retail_preorders": True})
    labels = [x["label"] for x in client.get(f"/api/tracks/{held}/buy-links").json()]
    assert labels == ["Pre-order at Shop", "Search Finder for a pre-order"]
    assert [x["label"] for x in client.get(f"/api/tracks/{out}/buy-links").json()] == ["Shop", "Search Finder"]
    r = client.get(f"/api/buy/track/{held}/Shop", follow_redirects=False)
    assert r.status_code == 302 and r.headers["location"] == "https://shop.example/isrc/GBAYE2600002"
