"""The outbox's drain writes only what the live write would have (review23m M1-M3): a kept play of a track that
is no longer published, or of a month whose royalty statement is closed, is refused (and leaves the outbox);
one the listener has since forgotten is written without their id. The drain is driven directly, as the
minutely job runs it (`bootstrap.write_verified`)."""

import hashlib
import logging
from datetime import UTC, datetime, timedelta
from functools import partial

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from encore import labels, playback, portability
from encore.accounts import User, create_user
from encore.bootstrap import Container, write_verified
from encore.catalog import Track
from encore.db import transaction
from encore.history import Play
from encore.jobs import drain as drain_jobs
from encore.playback import VerifiedStream
from encore.web import create_app
from encore.web._stream_route import _write_now
from tests.web.conftest import login
from tests.web.test_verified_streams import World, _world


def _key(n: int) -> str:
    return hashlib.sha256(f"kept-{n}".encode()).hexdigest()


def _listener(c: Container, world: World) -> tuple[int, str]:
    with c.sessions() as s:
        user = s.scalars(select(User).where(User.username == world.premium)).one()
        return user.id, user.public_id


def _drain(c: Container) -> playback.Drained:
    return c.verified_outbox.drain(partial(write_verified, c.sessions))


def _rows(c: Container) -> list[tuple[str, int | None]]:
    with c.sessions() as s:
        return sorted((r.play_key, r.user_id) for r in s.scalars(select(VerifiedStream)))


def test_a_kept_play_of_a_track_withdrawn_since_is_refused_as_the_live_write_refuses_it(container: Container) -> None:
    c = container
    world = _world(c)
    _, user = _listener(c, world)
    kept = playback.Verified(user, world.song, _key(1), c.clock.now(), 31_000)
    c.verified_outbox.keep(kept)  # the live write failed (a blip), then the track is withdrawn
    with transaction(c.sessions) as s:
        s.execute(update(Track).where(Track.public_id == world.song).values(status="withdrawn"))
    live = playback.Verified(user, world.song, _key(2), c.clock.now(), 31_000)
    assert _write_now(c, live) is False  # what the byte path does with it now
    assert _drain(c) == playback.Drained(refused=1)
    assert _rows(c) == [], "the drain paid a play of a withdrawn track"
    assert _drain(c) == playback.Drained(), "a refused record leaves the outbox"


def test_a_kept_play_of_a_closed_month_is_refused_and_logged(
    container: Container, caplog: pytest.LogCaptureFixture
) -> None:
    c = container
    world = _world(c)
    _, user = _listener(c, world)
    with transaction(c.sessions) as s:
        admin = create_user(s, username="admin", password="listener-pass-1")
        labels.close_month(
            s,
            month="2026-10",
            terms=labels.Terms(payout_share_pct=70, currency="EUR"),
            admin_id=admin.id,
            now=datetime(2026, 11, 6, tzinfo=UTC),
        )
    c.verified_outbox.keep(
        playback.Verified(user, world.song, _key(3), datetime(2026, 10, 31, 23, 59, tzinfo=UTC), 40_000)
    )
    c.verified_outbox.keep(
        playback.Verified(user, world.song, _key(4), datetime(2026, 11, 1, 0, 1, tzinfo=UTC), 40_000)
    )
    with caplog.at_level(logging.WARNING, logger="encore.bootstrap"):
        assert _drain(c) == playback.Drained(written=1, refused=1)
    assert _rows(c) == [(_key(4), _listener(c, world)[0])], "only the open month's play is written"
    assert "a verified stream of 2026-10 was not written: that month's royalty statement is closed" in caplog.text


def test_a_kept_play_the_listener_has_since_forgotten_is_written_without_their_id(container: Container) -> None:
    c = container
    world = _world(c)
    user_id, user = _listener(c, world)
    now = c.clock.now()
    forgotten = playback.Verified(user, world.song, _key(5), now - timedelta(minutes=30), 45_000)
    before = playback.Verified(user, world.song, _key(6), now - timedelta(hours=2), 45_000)
    c.verified_outbox.keep(forgotten)  # both kept while the database was away
    c.verified_outbox.keep(before)
    with transaction(c.sessions) as s:  # then the listener forgets the last hour, and the job runs
        portability.submit_forget(
            s, jobs=c.jobs, user_id=user_id, since=now - timedelta(hours=1), until=now, everything=False, now=now
        )
    portability.forget_range(c.sessions, user_id=user_id, since=now - timedelta(hours=1), until=now)
    assert _drain(c) == playback.Drained(written=2)
    assert _rows(c) == sorted([(_key(5), None), (_key(6), user_id)]), (
        "the forgotten play stays the label's record without the listener's id; the one before still names them"
    )
    with c.sessions() as s:
        assert [o.first_byte_at for o in playback.own_verified_streams(s, user_id=user_id)] == [before.first_byte_at]


def test_a_kept_play_drained_after_the_listener_forgot_everything_names_no_one(container: Container) -> None:
    c = container
    world = _world(c)
    user_id, user = _listener(c, world)
    now = c.clock.now()
    c.verified_outbox.keep(playback.Verified(user, world.song, _key(7), now - timedelta(days=3), 45_000))
    with transaction(c.sessions) as s:
        portability.submit_forget(s, jobs=c.jobs, user_id=user_id, since=None, until=None, everything=True, now=now)
    assert _drain(c) == playback.Drained(written=1)
    assert _rows(c) == [(_key(7), None)]


def _play(c: Container, user_id: int, track: str, at: datetime, play_id: str) -> None:
    with transaction(c.sessions) as s:
        track_id = s.scalars(select(Track.id).where(Track.public_id == track)).one()
        s.add(
            Play(
                user_id=user_id,
                client_play_id=play_id,
                track_id=track_id,
                started_at=at,
                updated_at=at,
                ms_played=45_000,
                state="ended",
                is_listen=True,
            )
        )


@pytest.mark.parametrize("face", ["player", "listenbrainz"])
def test_a_kept_play_of_one_play_the_listener_forgot_is_written_without_their_id(
    container: Container, face: str
) -> None:
    """fixout24: forgetting one play made no job, so a stream of it still in the outbox was written later
    naming the listener. Forgotten through each face that forgets one play."""
    c = container
    world = _world(c)
    user_id, user = _listener(c, world)
    now = c.clock.now()
    forgotten = playback.Verified(user, world.song, _key(8), now - timedelta(minutes=30), 45_000)
    kept = playback.Verified(user, world.song, _key(9), now - timedelta(hours=3), 45_000)  # a play not forgotten
    c.verified_outbox.keep(forgotten)  # both kept while the database was away
    c.verified_outbox.keep(kept)
    _play(c, user_id, world.song, now - timedelta(minutes=30, seconds=2), "play-forgotten")
    _play(c, user_id, world.song, now - timedelta(hours=3), "play-kept")
    with TestClient(create_app(c), base_url="http://testserver") as api:
        h = {"Authorization": f"Bearer {login(api, world.premium)}"}
        if face == "player":
            assert api.delete("/api/me/history/plays/play-forgotten", headers=h).status_code == 204
        else:
            token = api.post("/api/me/listen-token", headers=h).json()["token"]
            at = int((now - timedelta(minutes=30, seconds=2)).timestamp())
            r = api.post(
                "/1/delete-listen",
                json={"listened_at": at, "recording_msid": "play-forgotten"},
                headers={"Authorization": f"Token {token}"},
            )
            assert r.status_code == 200, r.text
    assert _drain(c) == playback.Drained(written=2)
    assert _rows(c) == sorted([(_key(8), None), (_key(9), user_id)]), "the forgotten play's stream names no one"
    c.verified_outbox.keep(playback.Verified(user, world.song, _key(10), now - timedelta(minutes=31), 45_000))
    assert _drain(c) == playback.Drained(written=1)
    assert dict(_rows(c))[_key(10)] is None, "a stream of the forgotten play drained later names no one either"


def test_a_single_forget_job_names_no_one_written_meanwhile(container: Container) -> None:
    """The job made by forgetting one play de-identifies once more what a drain wrote while the forget ran."""
    c = container
    world = _world(c)
    user_id, user = _listener(c, world)
    now = c.clock.now()
    _play(c, user_id, world.song, now - timedelta(minutes=5), "play-raced")
    with transaction(c.sessions) as s:
        portability.forget_play(s, jobs=c.jobs, user_id=user_id, play_id="play-raced")
    raced = playback.Verified(user, world.song, _key(11), now - timedelta(minutes=5), 45_000)
    with transaction(c.sessions) as s:  # as a write that read no job yet (its transaction began before the forget's)
        assert playback.write_verified_stream(s, verified=raced).written
    assert _rows(c) == [(_key(11), user_id)]
    drain_jobs(c.jobs)
    assert _rows(c) == [(_key(11), None)]


def test_a_live_play_verified_after_its_listener_forgot_its_start_is_written_without_their_id(
    container: Container,
) -> None:
    """review24s H2: the byte path's own write skipped the drain's forget check, so a listener who forgot "the last
    hour" while a track played was named by the verified stream written 30 s after its first byte."""
    c = container
    world = _world(c)
    user_id, user = _listener(c, world)
    now = c.clock.now()
    playing = playback.Verified(user, world.song, _key(9), now - timedelta(seconds=20), 31_000)
    with transaction(c.sessions) as s:  # the forget is asked and runs while the track plays
        portability.submit_forget(
            s, jobs=c.jobs, user_id=user_id, since=now - timedelta(hours=1), until=now, everything=False, now=now
        )
    portability.forget_range(c.sessions, user_id=user_id, since=now - timedelta(hours=1), until=now)
    assert _write_now(c, playing) is True  # then the play reaches 30 s: the label's record is kept
    assert _rows(c) == [(_key(9), None)], "the live write named a listener who had forgotten that play's start"
