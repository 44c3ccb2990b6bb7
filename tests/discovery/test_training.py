"""Training as a job on both databases: the 5-listener rule on stored pairs, opt-out, ads, the export."""

import io
import json
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from encore import discovery
from encore.accounts import User
from encore.bootstrap import Container
from encore.catalog import Track
from encore.db import transaction
from encore.discovery import ArtistNeighbour, TrackNeighbour
from encore.history import Play
from encore.jobs import Job, drain
from encore.portability import export_account
from tests.catalog import factories as f

NOW = datetime(2026, 3, 1, tzinfo=UTC)


@dataclass
class World:
    users: list[int]
    tracks: list[int]
    artists: list[int]


def _world(s: Session) -> World:
    users = []
    for i in range(10):
        u = User(username=f"l{i}", username_key=f"l{i}", display_name=f"L{i}", password_hash="-")
        s.add(u)
        s.flush()
        users.append(u.id)
    x, y, z = f.artist(s, "Xan"), f.artist(s, "Yara"), f.artist(s, "Zed")
    tracks = [
        f.track(s, "X1", f.album(s, "XA", x), [x]),
        f.track(s, "Y1", f.album(s, "YA", y), [y]),
        f.track(s, "Z1", f.album(s, "ZA", z), [z]),
    ]
    return World(users, [t.id for t in tracks], [x.id, y.id, z.id])


def _play(s: Session, user: int, track: int, n: int) -> None:
    at = NOW - timedelta(days=1, minutes=n)
    s.add(Play(user_id=user, client_play_id=f"{user}-{track}-{n}", track_id=track, started_at=at, updated_at=at,
               ms_played=170_000, state="ended", is_listen=True))  # fmt: skip


def _listening(container: Container) -> World:
    """Six listeners play X1 and Y1 together; four of them (and only four) also play Z1."""
    with transaction(container.sessions) as s:
        w = _world(s)
        for i, u in enumerate(w.users[:6]):
            _play(s, u, w.tracks[0], 1)
            _play(s, u, w.tracks[1], 2)
            if i < 4:
                _play(s, u, w.tracks[2], 3)
    return w


def _train(container: Container) -> dict[str, int]:
    """Submit the training job, run it on huey's real queue, return its result."""
    with transaction(container.sessions) as s:
        public_id = discovery.submit_training(s, jobs=container.jobs).id
    drain(container.jobs)
    with container.sessions() as s:
        job = s.scalar(select(Job).where(Job.public_id == public_id))
        assert job is not None and job.state == "done", job and job.error_code
        return dict(json.loads(job.result or "{}"))


Stored = dict[tuple[int, int], tuple[int, str]]


def _stored(container: Container) -> tuple[Stored, Stored]:
    with container.sessions() as s:
        tracks = {(r.track_id, r.neighbour_id): (r.listeners, r.source) for r in s.scalars(select(TrackNeighbour))}
        artists = {(r.artist_id, r.neighbour_id): (r.listeners, r.source) for r in s.scalars(select(ArtistNeighbour))}
    return tracks, artists


def test_training_keeps_pairs_of_five_listeners_or_more_only(container: Container) -> None:
    w = _listening(container)
    result = _train(container)
    assert result["listeners"] == 6 and result["track_pairs"] == 2 and result["artist_pairs"] == 2
    tracks, artists = _stored(container)
    x1, y1, z1 = w.tracks
    assert tracks[(x1, y1)] == (6, "listening") and tracks[(y1, x1)] == (6, "listening")
    assert all(src != "listening" for (a, b), (_, src) in tracks.items() if z1 in (a, b))  # only 4 shared Z1
    x, y, z = w.artists
    assert artists[(x, y)] == (6, "listening")
    assert all(src != "listening" for (a, b), (_, src) in artists.items() if z in (a, b))
    with container.sessions() as s:
        assert discovery.similar_track_ids(s, seeds={x1: 1.0}, limit=5)[0] == y1
        assert discovery.related_artist_ids(s, artist_id=x, limit=5)[0] == y


def test_an_opted_out_listener_is_left_out_of_the_next_training(container: Container) -> None:
    w = _listening(container)
    _train(container)
    with transaction(container.sessions) as s:
        prefs = discovery.set_preferences(s, user_id=w.users[0], now=NOW, contribute=False)
        assert prefs == discovery.Preferences(contribute=False, autoplay=True)
        assert discovery.preferences(s, user_id=w.users[1]) == discovery.Preferences()
    assert _train(container)["listeners"] == 5
    tracks, _ = _stored(container)
    assert tracks[(w.tracks[0], w.tracks[1])] == (5, "listening")
    with transaction(container.sessions) as s:
        discovery.set_preferences(s, user_id=w.users[1], now=NOW, contribute=False)
    assert _train(container)["track_pairs"] == 0  # 4 listeners left: nothing may be derived from them


def test_ad_audio_is_never_learnt_from_nor_recommended(container: Container) -> None:
    w = _listening(container)
    with transaction(container.sessions) as s:
        track = s.get(Track, w.tracks[1])
        assert track is not None
        track.is_ad = True
    _train(container)
    tracks, _ = _stored(container)
    assert not [pair for pair in tracks if w.tracks[1] in pair]


def test_the_export_lists_what_was_derived_from_the_listener(container: Container) -> None:
    w = _listening(container)
    _train(container)
    with transaction(container.sessions) as s:
        discovery.set_preferences(s, user_id=w.users[9], now=NOW, contribute=False)
    with container.sessions() as s:
        mine = discovery.derived_from(s, user_id=w.users[5])  # played X1 and Y1, not Z1
        silent = discovery.derived_from(s, user_id=w.users[9])  # played nothing, opted out
        out = io.BytesIO()
        export_account(s, user_id=w.users[5], out=out, now=NOW)
    assert mine["contributes"] and mine["last_training_used_you"]
    pairs = {(p["track_title"], p["similar_title"], p["listeners"]) for p in mine["similar_track_pairs"]}
    assert pairs == {("X1", "Y1", 6), ("Y1", "X1", 6)}  # Z1 pairs rest on 4 listeners and were never kept
    assert {(p["artist_name"], p["related_name"]) for p in mine["related_artist_pairs"]} == {
        ("Xan", "Yara"),
        ("Yara", "Xan"),
    }
    assert silent == {
        "contributes": False, "last_training_used_you": False, "trained_at": None, "similar_track_pairs": [],
        "related_artist_pairs": [],
    }  # fmt: skip
    with zipfile.ZipFile(io.BytesIO(out.getvalue())) as z:
        assert json.loads(z.read("discovery.json")) == mine
