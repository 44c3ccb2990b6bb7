"""A play is recorded once, whoever the row still names: forgetting history de-identifies a verified stream
(user_id NULL), and re-reading the same edge log or re-recording the same play after the shared state's
`done` flag expired must not insert it again (the label would pay twice, the row would name the listener)."""

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from encore import portability
from encore.accounts import create_user
from encore.bootstrap import Container
from encore.catalog import Rendition
from encore.db import transaction
from encore.playback import (
    Coordinates,
    EdgeSecret,
    StreamVerifier,
    Verified,
    VerifiedStream,
    ingest_edge_log,
    play_key_secret,
    record_verified_stream,
)
from encore.state import MemoryState
from encore.streaming import sign_edge_url
from tests.catalog import factories as f

SONG_MS = 60_000
SIZE = 600 * 1024  # 60 s: 10 KiB a second
MEDIA = f"audio/ab/{'ab' * 32}.vorbis160.ogg"
EDGE = {"": EdgeSecret("e" * 40)}
SECRET = play_key_secret("a-test-secret-key-of-at-least-32-characters")


@dataclass
class World:
    fan: str
    other: str
    fan_id: int
    song: str
    at: datetime  # the play's first byte


def _world(container: Container) -> World:
    with transaction(container.sessions) as s:
        fan = create_user(s, username="fan", password="fan-password-1")
        other = create_user(s, username="other", password="fan-password-1")
        band = f.artist(s, "Band")
        song = f.track(s, "Song", f.album(s, "LP", band), [band], number=1, duration_ms=SONG_MS)
        s.add(
            Rendition(
                track_id=song.id, kind="vorbis160", media_path=MEDIA, codec="vorbis", bitrate=160_000,
                sample_rate=44_100, channels=2, size=SIZE, sha256="0" * 64,
            )
        )  # fmt: skip
        at = container.clock.now() - timedelta(hours=3)
        return World(fan.public_id, other.public_id, fan.id, song.public_id, at)


def _rows(container: Container) -> list[int | None]:
    with container.sessions() as s:
        return list(s.scalars(select(VerifiedStream.user_id).order_by(VerifiedStream.id)))


def _play(container: Container, world: World, user: str) -> Verified | None:
    """35 s of the song sent to `user`, merged on a fresh shared state (the previous `done` flag expired)."""
    verifier = StreamVerifier(MemoryState(), secret=SECRET)
    return verifier.merge_now(
        Coordinates(
            user=user,
            track=world.song,
            duration_ms=SONG_MS,
            rendition="vorbis160",
            size=SIZE,
            spans=((0, 35 * 10 * 1024),),
            first_byte_at=world.at,
        )
    )


def _forget(container: Container, world: World) -> None:
    portability.forget_range(container.sessions, user_id=world.fan_id, since=None, until=container.clock.now())


def test_a_forgotten_play_recorded_again_is_still_one_row(container: Container) -> None:
    world = _world(container)
    first = _play(container, world, world.fan)
    assert first is not None
    with transaction(container.sessions) as s:
        assert record_verified_stream(s, verified=first)
    _forget(container, world)
    assert _rows(container) == [None]
    again = _play(container, world, world.fan)
    assert again is not None
    with transaction(container.sessions) as s:
        assert not record_verified_stream(s, verified=again)  # the de-identified row blocks it
    assert _rows(container) == [None]  # one row, still naming no one


def test_two_listeners_starting_the_same_track_at_once_are_two_plays(container: Container) -> None:
    world = _world(container)
    for user in (world.fan, world.other):
        verified = _play(container, world, user)
        assert verified is not None
        with transaction(container.sessions) as s:
            assert record_verified_stream(s, verified=verified)
    assert len(_rows(container)) == 2


def test_the_play_key_names_no_one_without_the_secret(container: Container) -> None:
    world = _world(container)
    verified = _play(container, world, world.fan)
    assert verified is not None
    assert world.fan not in verified.play_key and world.song not in verified.play_key
    other_key = StreamVerifier(MemoryState(), secret=play_key_secret("another-secret-key-of-32-characters!!"))
    elsewhere = other_key.merge_now(
        Coordinates(
            user=world.fan,
            track=world.song,
            duration_ms=SONG_MS,
            rendition="vorbis160",
            size=SIZE,
            spans=((0, 35 * 10 * 1024),),
            first_byte_at=verified.first_byte_at,
        )
    )
    assert elsewhere is not None and elsewhere.play_key != verified.play_key


def _log(world: World) -> list[str]:
    """nginx's lines for 35 s of the song sent to the fan in 64 KiB ranges, signed as Encore signs them."""
    at = world.at
    expires = int(at.timestamp()) + 3600
    url = sign_edge_url(secret=EDGE[""].secret, user=world.fan, media_path=MEDIA, expires=expires)
    md5 = parse_qs(urlsplit(url.path).query)["md5"][0]
    lines = []
    block = 64 * 1024
    for n, start in enumerate(range(0, 35 * 10 * 1024, block)):
        end = min(SIZE, start + block) - 1
        hit = {
            "t": f"{at.timestamp() + n:.3f}",
            "status": "206",
            "sent": str(end - start + 1),
            "uri": f"/edge/{world.fan}/{MEDIA}",
            "range": f"bytes {start}-{end}/{SIZE}",
            "expires": str(expires),
            "md5": md5,
        }
        lines.append(json.dumps(hit))
    return lines


@pytest.mark.parametrize("rekeyed", [False, True])
def test_re_reading_an_edge_log_after_forgetting_adds_nothing(container: Container, rekeyed: bool) -> None:
    """`rekeyed`: past the outbox's life the forgotten stream's hashed key was replaced (review24 F3); the log
    read again still finds its play (track and first byte among re-keyed rows) in an open month, and raises no
    alarm in a closed one."""
    world = _world(container)
    lines = _log(world)
    first = ingest_edge_log(
        container.sessions, lines=lines, secrets=EDGE, verifier=StreamVerifier(MemoryState(), secret=SECRET)
    )
    assert first.verified == 1, first
    _forget(container, world)
    if rekeyed:
        _rekeyed(container)
    again = ingest_edge_log(
        container.sessions, lines=lines, secrets=EDGE, verifier=StreamVerifier(MemoryState(), secret=SECRET)
    )
    assert again.counted == first.counted and again.verified == 0, again
    with container.sessions() as s:
        assert s.scalar(select(func.count()).select_from(VerifiedStream)) == 1
    assert _rows(container) == [None]
    closed = ingest_edge_log(
        container.sessions,
        lines=lines,
        secrets=EDGE,
        verifier=StreamVerifier(MemoryState(), secret=SECRET),
        closed=_closed({f"{world.at:%Y-%m}"}),
    )
    assert closed.verified == 0 and not closed.in_closed_months, closed


def test_an_edge_log_read_after_its_month_closed_records_nothing_of_that_month(container: Container) -> None:
    """review21 F3: a closed statement is final, so a stream of its month recorded later would show on the
    label's chart and be paid in no statement: it is counted in the report instead, by month."""
    world = _world(container)
    verifier = StreamVerifier(MemoryState(), secret=SECRET)
    other = ingest_edge_log(
        container.sessions, lines=_log(world), secrets=EDGE, verifier=verifier, closed=_closed({"1999-01"})
    )
    assert other.verified == 1 and not other.in_closed_months  # another month closed: recorded
    world.at -= timedelta(hours=2)  # a second play, its month closed
    month = f"{world.at:%Y-%m}"
    verifier = StreamVerifier(MemoryState(), secret=SECRET)
    late = ingest_edge_log(
        container.sessions, lines=_log(world), secrets=EDGE, verifier=verifier, closed=_closed({month})
    )
    assert late.verified == 0 and late.in_closed_months == {month: 1}, late
    assert _rows(container) == [world.fan_id]


def test_a_log_read_again_after_its_month_closed_raises_no_alarm_for_what_it_recorded(container: Container) -> None:
    """review21c F5: deploy.md says re-reading a log counts nothing twice; read again after its month closed, it
    said its streams were not recorded (and the command exited 1), though they were, and paid."""
    world = _world(container)
    first = ingest_edge_log(
        container.sessions, lines=_log(world), secrets=EDGE, verifier=StreamVerifier(MemoryState(), secret=SECRET)
    )
    assert first.verified == 1
    again = ingest_edge_log(
        container.sessions,
        lines=_log(world),
        secrets=EDGE,
        verifier=StreamVerifier(MemoryState(), secret=SECRET),
        closed=_closed({f"{world.at:%Y-%m}"}),
    )
    assert again.verified == 0 and not again.in_closed_months, again
    assert _rows(container) == [world.fan_id]


def _closed(months: set[str]) -> Callable[[Session, datetime], bool]:
    """The edge reader's question with these months closed, by a time's UTC month (the CLI asks
    `labels.closed_for_write`, which tests/labels/test_close_and_late_writes.py runs against a real close)."""
    return lambda _session, at: f"{at.astimezone(UTC):%Y-%m}" in months


def _rekeyed(container: Container) -> None:
    """What the daily `playback.rekey_forgotten` job does to a forgotten stream once no kept copy can arrive."""
    with transaction(container.sessions) as s:
        s.execute(update(VerifiedStream).where(VerifiedStream.user_id.is_(None)).values(play_key="gone:" + "0" * 48))
