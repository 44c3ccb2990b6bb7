"""One play is one verified stream whatever order its edge log lines are read in (review25m F2), and an edge response
is judged and dated by its start (review25m F4). On SQLite and PostgreSQL.

F2: a play's record was keyed by its first byte as the shared state saw it; a run that reads a play's later lines
alone (the new log after a rotation, a fresh state) verifies it from its 4th response, and a later run reading the
old and the new log together from its 1st: another first byte, another key, a second paid row (one in November, one
in December). The write now refuses a play of a track the listener already has a record of within the play's
window (VERIFY's own rule); a real second play, a window later, is still counted, on the edge and the byte path.

F4: nginx checks `expires` when a request begins and `$msec` is when it ended: a whole-file response begun before
its URL expired and ended after it was thrown away as "expired" (a forged line's bucket)."""

import hashlib
import json
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select

from encore.accounts import create_user
from encore.bootstrap import Container, write_verified
from encore.catalog import Rendition
from encore.db import transaction
from encore.kernel import FixedClock
from encore.playback import (
    EdgeReport,
    EdgeSecret,
    StreamVerifier,
    Verified,
    VerifiedStream,
    ingest_edge_log,
    parse_edge_line,
    play_key_secret,
)
from encore.state import MemoryState
from encore.streaming import sign_edge_url
from tests.catalog import factories as f

SONG_MS = 60_000
SIZE = 600 * 1024  # 10 KiB a second
MEDIA = f"audio/cd/{'cd' * 32}.vorbis160.ogg"
EDGE = {"": EdgeSecret("e" * 40)}
SECRET = play_key_secret("a-test-secret-key-of-at-least-32-characters")
MIDNIGHT = datetime(2026, 12, 1, tzinfo=UTC)


def _world(c: Container) -> tuple[str, str]:
    """The fan's public id and the song's."""
    with transaction(c.sessions) as s:
        fan = create_user(s, username="fan", password="fan-password-1")
        band = f.artist(s, "Band")
        song = f.track(s, "Song", f.album(s, "LP", band), [band], number=1, duration_ms=SONG_MS)
        s.add(Rendition(track_id=song.id, kind="vorbis160", media_path=MEDIA, codec="vorbis", bitrate=160_000,
                        sample_rate=44_100, channels=2, size=SIZE, sha256="0" * 64))  # fmt: skip
        return fan.public_id, song.public_id


def _md5(fan: str, expires: int) -> str:
    signed = sign_edge_url(secret=EDGE[""].secret, user=fan, media_path=MEDIA, expires=expires)
    return parse_qs(urlsplit(signed.path).query)["md5"][0]


def _lines(fan: str, at: datetime) -> list[str]:
    """The whole song in 64 KiB ranges (6.4 s each), a response every 6 s from `at`, as nginx logged them before
    `rt` was (a line's `t` alone: read as before)."""
    expires = int(at.timestamp()) + 3600
    out, block = [], 64 * 1024
    for n, start in enumerate(range(0, SIZE, block)):
        end = min(SIZE, start + block) - 1
        out.append(json.dumps({
            "t": f"{at.timestamp() + 6 * n:.3f}", "status": "206", "sent": str(end - start + 1),
            "uri": f"/edge/{fan}/{MEDIA}", "range": f"bytes {start}-{end}/{SIZE}", "expires": str(expires),
            "md5": _md5(fan, expires),
        }))  # fmt: skip
    return out


def _read(c: Container, lines: list[str]) -> EdgeReport:
    """Each run with a fresh state: no Redis, or the play's spans expired between runs."""
    return ingest_edge_log(c.sessions, lines=lines, secrets=EDGE, verifier=StreamVerifier(MemoryState(), secret=SECRET))


def _rows(c: Container) -> list[datetime]:
    with c.sessions() as s:
        return list(s.scalars(select(VerifiedStream.first_byte_at).order_by(VerifiedStream.first_byte_at)))


def test_the_new_log_then_both_count_one_play_once(container: Container) -> None:
    fan, _song = _world(container)
    lines = _lines(fan, MIDNIGHT - timedelta(seconds=15))
    old, new = lines[:3], lines[3:]  # the rotation cut the play after its third response
    first = _read(container, new)
    again = _read(container, old + new)
    assert (first.verified, again.verified) == (1, 0), (first, again)
    assert _rows(container) == [MIDNIGHT + timedelta(seconds=3)]  # one play, paid in one month


def test_both_logs_then_the_new_one_count_one_play_once(container: Container) -> None:
    fan, _song = _world(container)
    lines = _lines(fan, MIDNIGHT - timedelta(seconds=15))
    assert (_read(container, lines).verified, _read(container, lines[3:]).verified) == (1, 0)
    assert _rows(container) == [MIDNIGHT - timedelta(seconds=15)]


def test_a_second_play_a_song_later_still_counts_whatever_was_read_first(container: Container) -> None:
    """The listener plays the song again right after it ended (its window later): two plays, read in any cut."""
    fan, _song = _world(container)
    at = MIDNIGHT - timedelta(hours=5)
    one, two = _lines(fan, at), _lines(fan, at + timedelta(milliseconds=SONG_MS))
    assert _read(container, one + two).verified == 2
    assert _read(container, one[3:] + two).verified == 0  # read again, cut: nothing more
    assert _rows(container) == [at, at + timedelta(milliseconds=SONG_MS)]


def test_the_byte_path_writes_a_replay_and_refuses_one_play_seen_from_another_first_byte(container: Container) -> None:
    """The byte path's records through its own write (`bootstrap.write_verified`): a play verified again from a
    later first byte within its window (its state lost mid-way) is the same play; one a window later is a replay."""
    fan, song = _world(container)
    clock = FixedClock(MIDNIGHT + timedelta(days=3))
    at = MIDNIGHT + timedelta(days=2)

    def play(first: datetime) -> Verified:
        return Verified(fan, song, hashlib.sha256(first.isoformat().encode()).hexdigest(), first, 31_000)

    assert write_verified(container.sessions, play(at), clock=clock)
    assert not write_verified(container.sessions, play(at + timedelta(seconds=20)), clock=clock)
    assert not write_verified(container.sessions, play(at - timedelta(seconds=59)), clock=clock)
    assert write_verified(container.sessions, play(at + timedelta(milliseconds=SONG_MS)), clock=clock)
    assert write_verified(container.sessions, play(at - timedelta(milliseconds=SONG_MS)), clock=clock)
    assert _rows(container) == [at - timedelta(seconds=60), at, at + timedelta(seconds=60)]


def _whole(fan: str, *, begun: datetime, took_s: float, expires: int) -> dict[str, str]:
    """One 200 response of the whole song, begun `begun` and taking `took_s`, as nginx now logs it."""
    return {
        "t": f"{begun.timestamp() + took_s:.3f}", "rt": f"{took_s:.3f}", "status": "200", "sent": str(SIZE),
        "uri": f"/edge/{fan}/{MEDIA}", "expires": str(expires), "md5": _md5(fan, expires),
    }  # fmt: skip


def test_a_response_begun_before_its_url_expired_and_ended_after_counts_dated_by_its_start(
    container: Container,
) -> None:
    fan, _song = _world(container)
    begun = datetime(2026, 11, 20, 12, tzinfo=UTC)
    slow = _whole(fan, begun=begun, took_s=20, expires=int(begun.timestamp()) + 5)
    report = _read(container, [json.dumps(slow)])
    assert (report.verified, dict(report.ignored)) == (1, {}), report
    assert _rows(container) == [begun]


def test_a_response_begun_after_its_url_expired_is_still_refused(container: Container) -> None:
    fan, _song = _world(container)
    begun = datetime(2026, 11, 20, 12, tzinfo=UTC)
    late = _whole(fan, begun=begun, took_s=3, expires=int(begun.timestamp()) - 5)
    report = _read(container, [json.dumps(late)])
    assert (report.verified, dict(report.ignored)) == (0, {"expired": 1}), report


def test_request_time_is_read_as_nginx_writes_it_and_nothing_else() -> None:
    fan = "A" * 22
    base = _whole(fan, begun=datetime(2026, 11, 20, 12, tzinfo=UTC), took_s=0, expires=2_000_000_000)
    hit = parse_edge_line(json.dumps({**base, "rt": "12.345"}))
    assert not isinstance(hit, str) and hit.ended is not None
    assert hit.ended - hit.at == timedelta(seconds=12.345)
    old = {k: v for k, v in base.items() if k != "rt"}  # a line logged before `rt` was: dated by its end
    hit = parse_edge_line(json.dumps(old))
    assert not isinstance(hit, str) and hit.at == hit.ended
    for bad in ("", "-1", "1e9", "nan", "inf", " 1", "1.2.3", "0x10", "1" * 12):
        assert parse_edge_line(json.dumps({**base, "rt": bad})) == "malformed", bad
    assert parse_edge_line(json.dumps({**base, "rt": 12})) == "malformed"  # nginx writes strings
