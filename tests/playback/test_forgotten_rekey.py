"""A forgotten verified stream keeps its hashed key only while a kept copy of its play could still be written
(KEPT_LONGEST, the outbox's longest life), then the daily job gives it a random one: whoever holds the database
and ENCORE_SECRET_KEY can no longer re-link it to its listener (review24 F3), and a copy arriving later still is
not counted twice."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from encore import playback
from encore.accounts import User, create_user
from encore.bootstrap import Container
from encore.catalog import Track
from encore.db import transaction
from encore.jobs import Job, drain
from encore.playback import Verified, VerifiedStream, play_key_secret, record_verified_stream
from encore.playback._outbox import KEPT_LONGEST
from encore.playback._verified import play_key
from encore.portability import forget_range
from tests.catalog import factories as f

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _us(at: datetime) -> int:
    return (at - EPOCH) // timedelta(microseconds=1)


def _relinked(container: Container, secret: bytes) -> dict[datetime, str]:
    """What the holder of the database and the server's key can do: one hash per account and row."""
    found = {}
    with container.sessions() as s:
        rows = s.execute(
            select(VerifiedStream.play_key, VerifiedStream.first_byte_at, Track.public_id).join(
                Track, Track.id == VerifiedStream.track_id
            )
        ).all()
        accounts = s.execute(select(User.public_id, User.username)).all()
    for key, at, track in rows:
        for public_id, name in accounts:
            if play_key(secret, user=public_id, track=track, first_us=_us(at)) == key:
                found[at] = name
    return found


def _keys(container: Container) -> dict[datetime, str]:
    with container.sessions() as s:
        return dict(s.execute(select(VerifiedStream.first_byte_at, VerifiedStream.play_key)).all())


def test_forgotten_streams_past_the_outbox_life_no_longer_link_back(container: Container) -> None:
    secret = play_key_secret(container.settings.secret_key.get_secret_value())
    now = datetime.now(UTC)
    old = now - KEPT_LONGEST - timedelta(hours=1, microseconds=-123_456)  # no copy can arrive any more
    recent = now - KEPT_LONGEST + timedelta(hours=1, microseconds=654_321)  # a kept copy still may
    mine_before = now - KEPT_LONGEST - timedelta(days=3)
    with transaction(container.sessions) as s:
        me = create_user(s, username="forgetful", password="listener-pass-1")
        other = create_user(s, username="other", password="listener-pass-1")
        band = f.artist(s, "Band")
        track = f.track(s, "Song", f.album(s, "Album", band), [band])
        streams = [(me, old), (me, recent), (other, mine_before)]
        verified = {}
        for user, at in streams:
            key = play_key(secret, user=user.public_id, track=track.public_id, first_us=_us(at))
            verified[at] = Verified(user.public_id, track.public_id, key, at, 40_000)
            assert record_verified_stream(s, verified=verified[at], verified_at=at)
        me_id = me.id
    forget_range(container.sessions, user_id=me_id, since=None, until=now)
    assert _relinked(container, secret) == {old: "forgetful", recent: "forgetful", mine_before: "other"}

    with transaction(container.sessions) as s:
        container.jobs.submit(s, kind=playback.REKEY, key=playback.REKEY_KEY)
    assert drain(container.jobs) == 1
    assert _relinked(container, secret) == {recent: "forgetful", mine_before: "other"}  # the forgotten old one: no one
    keys = _keys(container)
    assert keys[old].startswith("gone:") and not keys[recent].startswith("gone:")
    with container.sessions() as s:
        assert s.scalar(select(Job.state).where(Job.kind == playback.REKEY)) == "done"

    # a copy of the re-keyed play arriving later still (an operator's retry, an edge log read again): not twice
    with transaction(container.sessions) as s:
        assert not record_verified_stream(s, verified=verified[old], verified_at=old)
        assert not record_verified_stream(s, verified=verified[recent], verified_at=recent)  # its key guards it
    assert len(_keys(container)) == 3

    with transaction(container.sessions) as s:  # the next day's run: a re-keyed row is not redone
        assert playback.rekey_forgotten_streams(s, before=now, since=None, limit=10) == [recent]
    after = _keys(container)
    assert after[old] == keys[old] and after[recent].startswith("gone:")


def test_the_rekey_goes_in_chunks_and_misses_no_row_sharing_a_first_byte(container: Container) -> None:
    at = datetime(2020, 5, 1, tzinfo=UTC)
    with transaction(container.sessions) as s:
        band = f.artist(s, "Band")
        album = f.album(s, "Album", band)
        tracks = [f.track(s, f"Song {n}", album, [band], number=n + 1).id for n in range(7)]
        s.add_all(
            VerifiedStream(user_id=None, track_id=t, play_key=f"{n:064x}", first_byte_at=at, audio_ms=40_000)
            for n, t in enumerate(tracks)
        )
    since = None
    for _ in range(4):
        with transaction(container.sessions) as s:
            done = playback.rekey_forgotten_streams(s, before=at + timedelta(seconds=1), since=since, limit=3)
        since = done[-1] if done else since
    assert all(key.startswith("gone:") for key in _keys_all(container))


def _keys_all(container: Container) -> list[str]:
    with container.sessions() as s:
        return list(s.scalars(select(VerifiedStream.play_key)))


def test_the_rekey_runs_every_day(container: Container) -> None:
    assert playback.REKEY in container.jobs.kinds
    due = container.jobs.huey.read_periodic(datetime(2026, 12, 6, 2, 0))
    assert f"encore.daily.{playback.REKEY}" in {task.name for task in due}
