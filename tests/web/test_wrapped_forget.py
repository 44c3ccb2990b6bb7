"""Forgotten plays leave a shared Wrapped at once (probe16 F2): the public page, its card PNGs and its link
preview show the listening as it now is, though nobody folds on the public path and the owner never opens
their Wrapped; forgetting everything ends the listener's share links."""

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from encore.bootstrap import Container
from encore.db import transaction
from encore.history import Play
from encore.web import create_app
from tests.insights.world import make_world
from tests.support.jobs import run_jobs
from tests.web.conftest import login


@pytest.fixture
def alice(container: Container) -> int:
    """19 listens in February 2024, 3 in March 2024 of the artist she would rather forget."""
    with transaction(container.sessions) as s:
        w = make_world(s)
        for day in range(1, 20):
            w.play(w.alice, day % 4, datetime(2024, 2, day, 20, tzinfo=UTC))
        for day in range(1, 4):
            w.play(w.alice, None, datetime(2024, 3, day, 20, tzinfo=UTC), text=("Secret Guilty Pleasure", "Oops"))
        return w.alice


@pytest.fixture
def public(container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(container), base_url="http://testserver") as c:
        yield c


def _auth(client: TestClient) -> dict[str, str]:
    token = login(client, "alice", "alice-password-1")
    client.cookies.clear()
    return {"Authorization": f"Bearer {token}"}


def _pngs(public: TestClient, url: str, cards: int) -> list[bytes]:
    got = [public.get(f"{url}/cards/{n}.png") for n in range(cards)] + [public.get(f"{url}/preview.png")]
    assert all(r.status_code == 200 for r in got)
    return [r.content for r in got]


def test_a_forgotten_range_leaves_the_shared_page_cards_and_preview(
    client: TestClient, public: TestClient, container: Container, alice: int
) -> None:
    auth = _auth(client)
    cards = len(client.get("/api/me/wrapped/2024", headers=auth).json()["cards"])
    url = client.post("/api/me/wrapped/2024/shares", headers=auth).json()["url"]
    page = public.get(url).text
    assert "Secret Guilty Pleasure" in page and "22 listens" in page
    before = _pngs(public, url, cards)

    r = client.delete("/api/me/history?since=2024-03-01T00:00:00Z&until=2024-04-01T00:00:00Z", headers=auth)
    assert r.status_code == 202
    run_jobs(container)

    page = public.get(url).text  # anonymous, nothing folded since, the owner has not looked
    assert "Secret Guilty Pleasure" not in page and "19 listens" in page and "22 listens" not in page
    after = _pngs(public, url, cards)
    assert after[0] != before[0]  # the intro card counts listens: drawn again, not the cached old one
    assert after[-1] != before[-1]  # the link preview too
    assert "Secret Guilty Pleasure" not in public.get(url).text  # and it stays so


def test_one_forgotten_play_leaves_the_shared_page(
    client: TestClient, public: TestClient, container: Container, alice: int
) -> None:
    auth = _auth(client)
    url = client.post("/api/me/wrapped/2020s/shares", headers=auth).json()["url"]
    assert "22 listens" in public.get(url).text
    with container.sessions() as s:
        play = s.scalar(select(Play.client_play_id).where(Play.user_id == alice, Play.track_id.is_(None)))
    assert client.delete(f"/api/me/history/plays/{play}", headers=auth).status_code == 204
    assert "21 listens" in public.get(url).text


def test_forgetting_everything_ends_the_share_links(
    client: TestClient, public: TestClient, container: Container, alice: int
) -> None:
    auth = _auth(client)
    urls = [client.post(f"/api/me/wrapped/{p}/shares", headers=auth).json()["url"] for p in ("2024", "2020s")]
    assert all(public.get(u).status_code == 200 for u in urls)
    assert client.delete("/api/me/history?everything=true", headers=auth).status_code == 202
    run_jobs(container)
    for url in urls:
        gone = public.get(url)
        assert gone.status_code == 404 and "Secret" not in gone.text
        assert public.get(f"{url}/cards/0.png").status_code == 404
        assert public.get(f"{url}/preview.png").status_code == 404
    assert client.get("/api/me/wrapped/2024", headers=auth).json()["listens"] == 0
