"""Wrapped over HTTP: the listener's own story, card PNGs, the top-songs playlist, and share links."""

import io
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from encore.bootstrap import Container
from encore.db import transaction
from encore.web import create_app
from tests.insights.world import make_world
from tests.web.conftest import login


@pytest.fixture
def users(container: Container) -> dict[str, str]:
    with transaction(container.sessions) as s:
        w = make_world(s)
        for day in range(1, 20):
            w.play(w.alice, day % 5, datetime(2024, 2, day, 20, tzinfo=UTC))
        w.play(w.alice, None, datetime(2024, 3, 1, tzinfo=UTC), text=("<b>Bold</b> & Co", "x\"y'z"))
    return {"alice": "alice-password-1", "bob": "bob-password-12"}


@pytest.fixture
def public(container: Container) -> Iterator[TestClient]:
    """A second browser with no cookies at all: what a friend who got the link sees."""
    with TestClient(create_app(container), base_url="http://testserver") as c:
        yield c


def _auth(client: TestClient, name: str, password: str) -> dict[str, str]:
    token = login(client, name, password)
    client.cookies.clear()
    return {"Authorization": f"Bearer {token}"}


def test_own_wrapped_cards_and_png(client: TestClient, users: dict[str, str]) -> None:
    alice = _auth(client, "alice", users["alice"])
    assert client.get("/api/me/wrapped").status_code == 401
    assert client.get("/api/me/wrapped", headers=alice).json() == {"periods": ["2024", "2020s"]}
    body = client.get("/api/me/wrapped/2024", headers=alice).json()
    assert body["listens"] == 20 and body["top_artists"][0]["name"] == "Omar Reyes"  # on Gravel, Mirage and Lantern
    kinds = [c["kind"] for c in body["cards"]]
    assert kinds[0] == "intro" and kinds[-1] == "summary" and "top_tracks" in kinds
    assert all(set(c) == {"kind", "title", "big", "lines"} for c in body["cards"])
    png = client.get("/api/me/wrapped/2024/cards/1.png", headers=alice)
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(png.content)).size == (1080, 1920)
    last = len(body["cards"])
    assert client.get(f"/api/me/wrapped/2024/cards/{last}.png", headers=alice).status_code == 404
    assert client.get("/api/me/wrapped/2024/cards/-1.png", headers=alice).status_code == 404
    assert client.get("/api/me/wrapped/2024/cards/x.png", headers=alice).status_code == 422


@pytest.mark.parametrize("bad", ["1999x", "2024;%20drop", "..%2F", "%2E%2E", "2024s", "123456789", "1990s", "%00"])
def test_bad_periods_are_404_or_422_never_500(client: TestClient, users: dict[str, str], bad: str) -> None:
    alice = _auth(client, "alice", users["alice"])
    for method, path in (
        ("GET", f"/api/me/wrapped/{bad}"),
        ("GET", f"/api/me/wrapped/{bad}/cards/0.png"),
        ("POST", f"/api/me/wrapped/{bad}/shares"),
        ("POST", f"/api/me/wrapped/{bad}/playlist"),
    ):
        assert client.request(method, path, headers=alice).status_code in (404, 405, 422), (method, path)


def test_top_songs_playlist(client: TestClient, users: dict[str, str]) -> None:
    alice = _auth(client, "alice", users["alice"])
    made = client.post("/api/me/wrapped/2024/playlist", headers=alice)
    assert made.status_code == 201
    assert made.json()["name"] == "Your top songs 2024" and made.json()["total_tracks"] == 5
    bob = _auth(client, "bob", users["bob"])
    assert client.post("/api/me/wrapped/2024/playlist", headers=bob).status_code == 400  # nothing to put in it


def test_share_link_is_public_escaped_and_revocable(
    client: TestClient, public: TestClient, users: dict[str, str]
) -> None:
    alice = _auth(client, "alice", users["alice"])
    made = client.post("/api/me/wrapped/2024/shares", headers=alice)
    assert made.status_code == 201
    token, url = made.json()["token"], made.json()["url"]
    assert url == f"/wrapped/s/{token}" and len(token) >= 43  # 32 random bytes, base64url

    page = public.get(url)
    assert page.status_code == 200
    html = page.text
    assert 'property="og:title" content="Encore Wrapped 2024"' in html and 'name="twitter:card"' in html
    assert f"/wrapped/s/{token}/cards/0.png" in html
    assert "Lux &lt;script&gt;" in html and "<script" not in html and "<b>" not in html
    assert "alice" not in html.lower()  # nothing of the account but the story
    card = public.get(f"{url}/cards/0.png")
    assert card.status_code == 200 and card.headers["content-type"] == "image/png"

    bob = _auth(client, "bob", users["bob"])
    assert client.delete(f"/api/me/wrapped/shares/{token}", headers=bob).status_code == 404  # not his to revoke
    assert client.get("/api/me/wrapped/2024", headers=bob).json()["listens"] == 0  # /me is only ever Bob's own
    assert public.get(url).status_code == 200

    assert public.get("/wrapped/s/" + "A" * 43).status_code == 404  # guessed
    assert public.get("/wrapped/s/..%2F..%2Fetc").status_code == 404
    assert client.delete(f"/api/me/wrapped/shares/{token}", headers=alice).status_code == 204
    assert public.get(url).status_code == 404  # revoked
    assert public.get(f"{url}/cards/0.png").status_code == 404
    assert client.delete(f"/api/me/wrapped/shares/{token}", headers=alice).status_code == 404
