"""The mixes a seeded random world gets, pinned in a golden file: a faster build must make the same mixes.

The world (fixed ids, fixed random seed) has what the build branches on: genres on albums only, artists
with no genre (clustered by neighbours), a Premium-only album, a withdrawn album, an ad, recent and future
releases, a Premium listener, an opted-out listener and a listener with no plays. Regenerate the golden
file only when the mixes are meant to change: `MIXES_GOLDEN=write pytest tests/discovery/test_mix_golden.py`.
"""

import json
import os
import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert, select, update

from encore import billing, discovery
from encore.accounts import User
from encore.bootstrap import Container
from encore.catalog import Album, AlbumArtist, AlbumGenre, Artist, Genre, Track, TrackArtist
from encore.db import transaction
from encore.discovery import Mix
from encore.history import Play

NOW = datetime(2026, 3, 4, 12, tzinfo=UTC)
GOLDEN = Path(__file__).parent / "golden" / "mixes.json"
TRACKS, ARTISTS, ALBUMS, USERS, GROUPS = 240, 24, 48, 48, 6


def _world(c: Container) -> None:
    rng = random.Random(1919)
    with transaction(c.sessions) as s:
        s.execute(insert(Genre), [{"id": g + 1, "name": f"G{g}", "key": f"g{g}"} for g in range(5)])
        s.execute(insert(Artist), [{"id": a + 1, "public_id": f"ar{a:020d}", "name": f"A{a}", "name_key": f"a{a}",
                                    "sort_name": f"a{a}"} for a in range(ARTISTS)])  # fmt: skip
        s.execute(insert(Album), [{"id": b + 1, "public_id": f"al{b:020d}", "title": f"B{b}", "album_key": f"b{b}",
                                   "release_date": date(2000 + b % 20, 1, 1)} for b in range(ALBUMS)])  # fmt: skip
        s.execute(insert(AlbumArtist), [{"album_id": b + 1, "artist_id": b % ARTISTS + 1} for b in range(ALBUMS)])
        # Albums of artists 19-24 carry no genre: those artists cluster by their neighbours.
        s.execute(insert(AlbumGenre), [{"album_id": b + 1, "genre_id": b % 5 + 1} for b in range(ALBUMS)
                                       if b % ARTISTS < 18])  # fmt: skip
        s.execute(insert(Track), [{"id": t + 1, "public_id": f"tr{t:020d}", "album_id": t % ALBUMS + 1,
                                   "title": f"T{t}", "duration_ms": 180_000, "audio_hash": f"h{t}",
                                   "disc_number": 1, "track_number": t // ALBUMS + 1}
                                  for t in range(TRACKS)])  # fmt: skip
        s.execute(insert(TrackArtist), [{"track_id": t + 1, "artist_id": (t % ALBUMS) % ARTISTS + 1}
                                        for t in range(TRACKS)])  # fmt: skip
        s.execute(update(Album).where(Album.id.in_([3, 30])).values(availability="premium"))
        s.execute(update(Album).where(Album.id == 7).values(status="withdrawn"))
        s.execute(update(Track).where(Track.album_id == 7).values(status="withdrawn"))
        s.execute(update(Album).where(Album.id == 11).values(is_ad=True))
        s.execute(update(Track).where(Track.album_id == 11).values(is_ad=True))
        s.execute(update(Album).where(Album.id % 8 == 0).values(release_date=(NOW - timedelta(days=3)).date()))
        s.execute(update(Album).where(Album.id == 9).values(release_date=(NOW + timedelta(days=3)).date()))
        s.execute(insert(User), [{"id": u + 1, "public_id": f"us{u:020d}", "username": f"u{u}", "username_key": f"u{u}",
                                  "display_name": f"U{u}", "password_hash": "-"} for u in range(USERS)])  # fmt: skip
        groups = [rng.sample(range(1, TRACKS + 1), 40) for _ in range(GROUPS)]
        plays = []
        for u in range(USERS - 1):  # the last listener never played anything
            mine, anywhere = groups[u % GROUPS], list(range(1, TRACKS + 1))
            for n in range(rng.randint(5, 60)):
                at = NOW - timedelta(minutes=n + 1)
                track = rng.choice(mine) if rng.random() < 0.8 else rng.choice(anywhere)
                plays.append({"user_id": u + 1, "client_play_id": f"p{u}-{n}", "track_id": track, "started_at": at,
                              "updated_at": at, "ms_played": 170_000, "state": "ended", "is_listen": True})  # fmt: skip
        s.execute(insert(Play), plays)
        s.flush()
        discovery.set_preferences(s, user_id=5, now=NOW, contribute=False)
        discovery.train(s, now=NOW)
        billing.grant_premium(s, user_public_id=f"us{1:020d}", plan="premium", days=30, now=NOW)


def _built(c: Container) -> dict[str, list[list[object]]]:
    with c.sessions() as s:
        rows = s.scalars(select(Mix).order_by(Mix.user_id, Mix.kind, Mix.slot))
        out: dict[str, list[list[object]]] = {}
        for m in rows:
            out.setdefault(str(m.user_id), []).append([m.kind, m.slot, m.title, m.description, m.tracks])
        return out


def test_every_listeners_mixes_match_the_golden_file_when_built_in_parts(container: Container) -> None:
    """The daily run is split by listener id across jobs: the parts together build each listener once."""
    _world(container)
    parts = [discovery.build_all(container.sessions, now=NOW, part=p, parts=3) for p in range(3)]
    assert [s["listeners"] for s in parts] == [16, 16, 16]
    got = _built(container)
    if os.environ.get("MIXES_GOLDEN") == "write":
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(json.dumps(got, indent=0) + "\n")
    want = json.loads(GOLDEN.read_text())
    assert len(want) == USERS  # every listener has at least a Discover Weekly
    for user in sorted(want, key=int):
        assert got.get(user) == want[user], f"listener {user}"
    assert got.keys() == want.keys()


def test_each_listener_built_alone_gets_the_same_mixes(container: Container) -> None:
    """A run's caches (`discovery.Shared`: track facts, neighbours, availability, releases) filled by earlier
    listeners change nothing: built one by one, each with fresh caches, in reverse order, the mixes equal
    the golden file (what `my_mixes` builds in a request for a listener the job never reached)."""
    _world(container)
    for user in range(USERS, 0, -1):
        with transaction(container.sessions) as s:
            discovery.build_mixes(s, user_id=user, now=NOW, shared=discovery.Shared())
    want = json.loads(GOLDEN.read_text())
    assert _built(container) == want


def test_a_part_outside_the_split_is_refused() -> None:
    for part, parts in ((3, 3), (-1, 3), (0, 0)):
        with pytest.raises(ValueError, match="part"):
            discovery.build_all(None, now=NOW, part=part, parts=parts)
    assert [key for key, _ in discovery.daily_parts()] == [f"part-{p}-of-4" for p in range(4)]
