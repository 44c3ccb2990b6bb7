"""Public Wrapped shares cost little (#15 hole 4): cards and the 1200x630 preview are drawn once and
cached, a long name is fitted in a bounded number of measurements, and a client fetching too fast is told
to wait (429), by a rate window in the shared state that every worker sees."""

import io
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from PIL import Image, ImageDraw

from encore.bootstrap import Container
from encore.insights import _render
from encore.web import create_app
from encore.web._wrapped_routes import PUBLIC_PER_MINUTE
from tests.web.test_wrapped_api import _auth, users  # noqa: F401  (the fixture: a world with Wrapped 2024)


@pytest.fixture
def share_url(client: TestClient, users: dict[str, str]) -> str:  # noqa: F811
    alice = _auth(client, "alice", users["alice"])
    return str(client.post("/api/me/wrapped/2024/shares", headers=alice).json()["url"])


@pytest.fixture
def friend(container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(container), base_url="http://testserver") as c:
        yield c


def test_cards_and_preview_are_drawn_once_then_served_from_the_cache(
    container: Container, friend: TestClient, share_url: str
) -> None:
    page = friend.get(share_url).text
    assert f'content="http://testserver{share_url}/preview.png"' in page  # the address served, not :8000 (probe22)
    assert 'property="og:image:width" content="1200"' in page and 'content="630"' in page
    preview = friend.get(f"{share_url}/preview.png")
    assert preview.status_code == 200 and Image.open(io.BytesIO(preview.content)).size == (1200, 630)
    card = friend.get(f"{share_url}/cards/0.png")
    assert Image.open(io.BytesIO(card.content)).size == (1080, 1920)
    cached = sorted(container.cards.root.rglob("*.png"))
    assert len(cached) == 2  # the card and the preview, on disk
    stamps = [p.stat().st_mtime_ns for p in cached]
    assert friend.get(f"{share_url}/cards/0.png").content == card.content
    assert friend.get(f"{share_url}/preview.png").content == preview.content
    assert [p.stat().st_mtime_ns for p in cached] == stamps  # served, not drawn again


class _Counting(ImageDraw.ImageDraw):
    calls = 0

    def textlength(self, *args: object, **kwargs: object) -> float:  # type: ignore[override]
        _Counting.calls += 1
        return super().textlength(*args, **kwargs)  # type: ignore[arg-type]


def test_a_long_name_is_fitted_in_a_bounded_number_of_measurements() -> None:
    draw = _Counting(Image.new("RGB", (10, 10)))
    fitted = _render._fit(draw, "Ω" * 100_000, _render._font(False, 48), 900)
    assert fitted.endswith("…") and draw.textlength(fitted, font=_render._font(False, 48)) <= 900
    assert _Counting.calls <= 20  # was one measurement per character trimmed: 100,000


def test_public_pages_are_rate_limited_per_client(friend: TestClient, share_url: str) -> None:
    began = time.monotonic()
    codes = [friend.get(f"{share_url}/cards/{i % 3}.png").status_code for i in range(PUBLIC_PER_MINUTE + 20)]
    elapsed = time.monotonic() - began
    assert codes[:PUBLIC_PER_MINUTE] == [200] * PUBLIC_PER_MINUTE
    # The window refills one request every 60/PUBLIC_PER_MINUTE s: a slow machine drawing the first cards
    # earns a few more, never more than the time it took.
    assert codes.count(200) <= PUBLIC_PER_MINUTE + 1 + elapsed / (60 / PUBLIC_PER_MINUTE), (codes, elapsed)
    assert codes[-1] == 429, codes
    refused = friend.get(share_url)
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
