"""Playback's signed URLs (`music_url`, `ad_url`): in edge mode nginx may serve only a Premium listener's music.
A free listener's music and every ad are Encore's own byte path's, whose bytes charge the ad clock and complete
the break; an owed ad is a refusal with its reason."""

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from encore import billing, playback
from encore.accounts import create_user
from encore.bootstrap import Container
from encore.db import transaction
from encore.kernel import FixedClock
from tests.catalog import factories as f
from tests.support.ads import campaign
from tests.support.media import add_rendition

EDGE = "https://edge.example.org"


@dataclass(frozen=True)
class World:
    free: tuple[int, str]  # (id, public id) of a free listener
    fan: tuple[int, str]  # of a Premium one
    a: str
    b: str


def _world(c: Container) -> World:
    now = c.clock.now()
    with transaction(c.sessions) as s:
        free = create_user(s, username="free", password="a long enough password")
        fan = create_user(s, username="fan", password="a long enough password")
        billing.grant_premium(s, user_public_id=fan.public_id, plan="premium", days=30, now=now)
        artist = f.artist(s, "Band")
        album = f.album(s, "Songs", artist)
        songs = [f.track(s, f"Song {i}", album, [artist], number=i, duration_ms=600_000) for i in (1, 2)]
        ad_artist = f.artist(s, "Acme Ads")
        spot = f.spot(s, "Acme spot", f.album(s, "Acme", ad_artist), [ad_artist], duration_ms=15_000)
        for t in [*songs, spot]:
            add_rendition(c, s, t)
        s.flush()
        campaign(s, track_id=spot.public_id, now=now, cpm_cents=2500)
        return World((free.id, free.public_id), (fan.id, fan.public_id), songs[0].public_id, songs[1].public_id)


def _music(c: Container, who: tuple[int, str], track: str) -> str:
    with transaction(c.sessions) as s:
        issued = playback.music_url(
            s,
            user_id=who[0],
            user_public_id=who[1],
            track_id=track,
            requested=None,
            data_saver=False,
            settings=c.settings,
            keyring=c.keyring.get(),
            clocks=c.ad_clocks,
            now=c.clock.now(),
        )
        return issued.url


def test_in_edge_mode_only_premium_music_gets_an_edge_url(container: Container) -> None:
    clock = container.clock = FixedClock(datetime.now(UTC).replace(microsecond=0))
    edge = {"streaming_mode": "edge", "edge_base_url": EDGE, "ad_interval_s": 60}
    container.settings = container.settings.model_copy(update=edge)
    w = _world(container)

    assert _music(container, w.fan, w.a).startswith(f"{EDGE}/")
    assert _music(container, w.free, w.a).startswith("/stream/")  # counted: charges the ad clock

    clock.advance(61)  # a minute of song A: the clock is past its 60 s interval, an ad is owed
    with pytest.raises(playback.StreamRefused) as refused:
        _music(container, w.free, w.b)
    assert refused.value.code == "ad_break_due" and refused.value.decision.allowed is False

    free = w.free
    with transaction(container.sessions) as s:
        brk, issued = playback.ad_url(
            s,
            user_id=free[0],
            user_public_id=free[1],
            settings=container.settings,
            keyring=container.keyring.get(),
            clocks=container.ad_clocks,
            now=container.clock.now(),
        )
    assert issued.url.startswith("/stream/") and brk.advertiser == "Acme"  # the impression needs Encore's record
