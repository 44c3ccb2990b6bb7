"""Which break the ad audio sent belongs to, over real HTTP (uvicorn, httpx) on a fixed clock: a hearing is the
break's, from its hand-out on, however soon the next break comes and however long the ad was paused.

Session 31's ad played twice: at step 4 of the ad-break paths' every-view test (an ad at 2x, the next break handed
out 0.8 s after the last one counted), the next break's response began 5.44 s after the last one's first byte, less
than the 5.45 s ad, and was merged into the counted hearing; that hearing had begun more than the 5 s clock
allowance before the new break, so the new break's `played` was refused `ad_not_heard` and the ad played again."""

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime

import httpx
import pytest

from encore.accounts import create_user
from encore.bootstrap import Container
from encore.db import transaction
from encore.kernel import FixedClock
from tests.catalog import factories as f
from tests.support.ads import campaign
from tests.support.live import serve
from tests.support.media import add_rendition

PASSWORD = "hearing-pass-1"
AD_MS = 5_450  # the ad-break paths' spot
AD = b"OggS" + bytes(range(256)) * 800  # 200 KiB: four of the byte path's 64 KiB blocks


@pytest.fixture
def clock(container: Container) -> FixedClock:
    c = FixedClock(datetime.now(UTC).replace(microsecond=0))
    container.clock = c
    return c


@pytest.fixture
def listener(container: Container, clock: FixedClock) -> int:
    """A free listener, and a campaign for a 5.45 s spot."""
    with transaction(container.sessions) as s:
        user = create_user(s, username="listener", password=PASSWORD)
        ad_artist = f.artist(s, "Acme Ads")
        ad = f.spot(s, "Acme spot", f.album(s, "Acme", ad_artist), [ad_artist], duration_ms=AD_MS)
        add_rendition(container, s, ad, AD)
        s.flush()
        campaign(s, track_id=ad.public_id, now=clock.now(), freq_cap_per_day=50)
        return user.id


@pytest.fixture
def http(container: Container, listener: int) -> Iterator[httpx.Client]:
    """The listener's client, signed in, on a real server."""
    with serve(container) as live, httpx.Client(base_url=live.base_url, timeout=10) as client:
        r = client.post("/api/auth/login", json={"username": "listener", "password": PASSWORD})
        assert r.status_code == 200, r.text
        client.headers["Authorization"] = f"Bearer {r.json()['token']}"
        yield client


def _ad(container: Container, listener: int, http: httpx.Client) -> dict[str, str]:
    """A break made due (its clock at the interval, as the browser tests' `_ad_due` moves it), handed out."""
    with container.sessions() as s:
        interval = container.settings.ad_interval
        container.ad_clocks.move(s, listener, lambda st: (replace(st, listened_ms=interval * 1000), None))
    r = http.post("/api/ads/next")
    assert r.status_code == 200, r.text
    ad: dict[str, str] = r.json()
    return ad


def _fetch(http: httpx.Client, url: str, start: int = 0) -> None:
    """The ad's audio from `start` to its end, as Chromium asks for it (a Range, read whole)."""
    r = http.get(url, headers={"Range": f"bytes={start}-"})
    assert r.status_code == 206 and r.content == AD[start:]


def _played(http: httpx.Client, ad: dict[str, str]) -> object:
    r = http.post(f"/api/ads/{ad['break_id']}/played")
    return r.json() if r.status_code == 200 else r.json()["error"]["code"]


COUNTED = {"counted": True, "reason": "counted"}


def test_a_break_handed_out_within_the_ads_length_of_the_last_one_is_its_own_hearing(
    container: Container, listener: int, http: httpx.Client, clock: FixedClock
) -> None:
    """The failing run's timeline (ms after the first break's hand-out): its whole ad sent at 52, its count at
    4,679; the next break at 5,462 and its whole ad sent at 5,491; its report 4,824 ms later."""
    first = _ad(container, listener, http)
    clock.advance(0.052)
    _fetch(http, first["url"])
    clock.advance(4.627)
    assert _played(http, first) == COUNTED
    clock.advance(0.783)
    second = _ad(container, listener, http)
    assert second["break_id"] != first["break_id"]
    clock.advance(0.029)
    _fetch(http, second["url"])
    clock.advance(4.824)
    assert _played(http, second) == COUNTED  # was ad_not_heard: the ad then played a second time


def test_an_ad_paused_past_its_length_then_reloaded_near_its_end_counts(
    container: Container, listener: int, http: httpx.Client, clock: FixedClock
) -> None:
    """A listener at real speed: the whole ad came at once, they paused it 4.5 s in, came back 3 s later and
    reloaded the page; the same break is handed out again, its new URL read whole, and the ad resumes for its last
    second. That response began more than the ad's length after the first one, so it began a hearing of its own
    (the break's audio all sent, but its length not passed since that hearing's first byte): `ad_not_heard`, and
    the whole ad again after the music's next URL."""
    ad = _ad(container, listener, http)
    clock.advance(0.05)
    _fetch(http, ad["url"])
    clock.advance(8)
    again = _ad(container, listener, http)
    assert again["break_id"] == ad["break_id"]
    clock.advance(0.05)
    _fetch(http, again["url"])
    clock.advance(1)  # its last 0.95 s played
    assert _played(http, again) == COUNTED
