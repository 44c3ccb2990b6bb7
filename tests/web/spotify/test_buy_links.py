"""Encore's /v1 buy links: filled from the operator's retailer templates, counted clicks, marked in /docs."""

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from encore.accounts import create_user
from encore.bootstrap import Container, build
from encore.config import Settings
from encore.db import transaction
from encore.retail import BuyClick
from encore.web import create_app
from tests.catalog import factories as f
from tests.web.spotify.flows import client_token, login, register_app, user_token

PASSWORD = "listener-pass-1"
RETAILERS = {
    "UPC Shop": "https://upc.example/release/{upc}",
    "ISRC Shop": "https://isrc.example/recording/{isrc}",
    "Search": "https://search.example/?q={artist}%20{title}",
}


@dataclass
class Shop:
    client: TestClient
    container: Container
    token: str
    album: str
    with_isrc: str
    without_isrc: str
    bare_album: str


@pytest.fixture
def shop(settings: Settings) -> Iterator[Shop]:
    c = build(settings.model_copy(update={"retailers": RETAILERS}))
    with transaction(c.sessions) as s:
        create_user(s, username="dev", password=PASSWORD)
        band = f.artist(s, "Night & Day")
        album = f.album(s, "Blue/Green", band)
        album.upc = "0123456789012"
        first = f.track(s, "Côte d'Azur", album, [band], number=1)
        first.isrc = "GBAYE0601498"
        second = f.track(s, "Plain", album, [band], number=2)
        bare = f.album(s, "No Barcode", band)
        s.flush()
        ids = (album.public_id, first.public_id, second.public_id, bare.public_id)
    with TestClient(create_app(c), base_url="http://localhost") as client:
        login(client, "dev", PASSWORD)  # type: ignore[arg-type]
        token = client_token(client, register_app(client))  # type: ignore[arg-type]
        yield Shop(client, c, token, *ids)
    c.close()


def _get(shop: Shop, path: str, token: str | None = None) -> tuple[int, dict[str, object]]:
    r = shop.client.get(path, headers={"Authorization": f"Bearer {token or shop.token}"})
    return r.status_code, r.json()


def test_album_buy_links_are_filled_from_the_retailer_templates(shop: Shop) -> None:
    status, body = _get(shop, f"/v1/albums/{shop.album}/buy-links")
    assert status == 200, body
    assert body["href"] == f"http://localhost/v1/albums/{shop.album}/buy-links"
    links = {x["retailer"]: x for x in body["buy_links"]}  # type: ignore[attr-defined]
    assert set(links) == {"UPC Shop", "Search"}  # an album has no ISRC
    assert links["UPC Shop"]["url"] == "https://upc.example/release/0123456789012"
    assert links["Search"]["url"] == "https://search.example/?q=Night%20%26%20Day%20Blue%2FGreen"
    assert links["Search"]["click_url"] == f"http://localhost/api/buy/album/{shop.album}/Search"


def test_track_buy_links_use_the_isrc_only_when_the_track_has_one(shop: Shop) -> None:
    _, body = _get(shop, f"/v1/tracks/{shop.with_isrc}/buy-links")
    links = {x["retailer"]: x["url"] for x in body["buy_links"]}  # type: ignore[attr-defined]
    assert links == {
        "UPC Shop": "https://upc.example/release/0123456789012",
        "ISRC Shop": "https://isrc.example/recording/GBAYE0601498",
        "Search": "https://search.example/?q=Night%20%26%20Day%20C%C3%B4te%20d%27Azur",
    }
    _, body = _get(shop, f"/v1/tracks/{shop.without_isrc}/buy-links")
    assert {x["retailer"] for x in body["buy_links"]} == {"UPC Shop", "Search"}  # type: ignore[attr-defined]
    _, body = _get(shop, f"/v1/albums/{shop.bare_album}/buy-links")
    assert [x["retailer"] for x in body["buy_links"]] == ["Search"]  # type: ignore[attr-defined]


def test_a_click_url_redirects_to_the_retailer_and_a_post_is_counted(shop: Shop) -> None:
    _, body = _get(shop, f"/v1/tracks/{shop.with_isrc}/buy-links")
    link = next(x for x in body["buy_links"] if x["retailer"] == "ISRC Shop")  # type: ignore[attr-defined]
    assert link["label"] == "ISRC Shop"  # an ISRC template leads to the product itself
    r = shop.client.get(link["click_url"], follow_redirects=False)
    assert r.status_code == 302 and r.headers["location"] == link["url"]
    with shop.container.sessions() as s:
        assert s.scalars(select(BuyClick.retailer)).all() == []
    posted = shop.client.post(link["click_url"], headers={"X-Encore-CSRF": "1"})
    assert posted.json() == {"url": link["url"], "counted": True}
    with shop.container.sessions() as s:
        assert s.scalars(select(BuyClick.retailer)).all() == ["ISRC Shop"]


def test_user_tokens_without_any_scope_may_read_buy_links(shop: Shop) -> None:
    narrow = user_token(shop.client, register_app(shop.client, name="narrow"), scope="")  # type: ignore[arg-type]
    assert _get(shop, f"/v1/albums/{shop.album}/buy-links", narrow["access_token"])[0] == 200


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/v1/albums/" + "0" * 22 + "/buy-links", 404),
        ("/v1/tracks/" + "0" * 22 + "/buy-links", 404),
        ("/v1/albums/abc/buy-links", 400),
        ("/v1/tracks/" + "!" * 22 + "/buy-links", 400),
    ],
)
def test_unknown_and_malformed_ids_get_the_error_shape(shop: Shop, path: str, status: int) -> None:
    got, body = _get(shop, path)
    assert got == status and body["error"]["status"] == status  # type: ignore[index]


def test_openapi_and_docs_mark_buy_links_as_encore_additions(shop: Shop) -> None:
    spec = shop.client.get("/openapi.json").json()
    for path in ("/v1/albums/{id}/buy-links", "/v1/tracks/{id}/buy-links"):
        op = spec["paths"][path]["get"]
        assert "Encore addition" in op["description"] and op["tags"] == ["Buy links (Encore)"]
        assert op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/BuyLinks")
    assert "buy-links" in spec["info"]["description"]
    assert shop.client.get("/docs").status_code == 200
