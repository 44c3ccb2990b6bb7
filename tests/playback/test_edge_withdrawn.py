"""`encore edge ingest-log` and withdrawn or taken-down tracks: nginx serves an edge URL until it expires, whatever
happened to the release since it was signed, while the byte path stops a withdrawn track's URLs within a second.
A play read from the log is paid only if its track was published when the line that verified it was served: the
rule the byte path and the outbox's drain apply (`playback.paid_play`), on SQLite and PostgreSQL."""

import json
import logging
from datetime import datetime, timedelta
from functools import partial
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from encore import catalog, incident, playback
from encore.accounts import create_user
from encore.bootstrap import Container, write_verified
from encore.catalog import Album, ReleaseStatus, Rendition, Track
from encore.db import transaction
from encore.playback import EdgeReport, EdgeSecret, StreamVerifier, VerifiedStream, ingest_edge_log, play_key_secret
from encore.state import MemoryState
from encore.streaming import sign_edge_url
from tests.catalog import factories as f

SONG_MS = 60_000
SIZE = 600 * 1024  # 60 s: 10 KiB a second
MEDIA = f"audio/cd/{'cd' * 32}.vorbis160.ogg"
EDGE = {"": EdgeSecret("e" * 40)}
SECRET = play_key_secret("a-test-secret-key-of-at-least-32-characters")
LINES = 6  # 35 s of the song in 64 KiB ranges, a second apart


def _song(c: Container) -> tuple[str, str, str]:
    """The fan's public id, the song's and its album's."""
    with transaction(c.sessions) as s:
        fan = create_user(s, username="fan", password="fan-password-1")
        band = f.artist(s, "Band")
        album = f.album(s, "LP", band)
        song = f.track(s, "Song", album, [band], number=1, duration_ms=SONG_MS)
        s.add(
            Rendition(
                track_id=song.id, kind="vorbis160", media_path=MEDIA, codec="vorbis", bitrate=160_000,
                sample_rate=44_100, channels=2, size=SIZE, sha256="0" * 64,
            )
        )  # fmt: skip
        return fan.public_id, song.public_id, album.public_id


def _log(fan: str, at: datetime, *, secret: str = EDGE[""].secret, media: str = MEDIA) -> list[str]:
    """nginx's lines for 35 s of the song sent to the fan from `at`, one a second, signed as Encore signs them
    (an edge URL signed before whatever happens to the release, lasting an hour)."""
    expires = int(at.timestamp()) + 3600
    md5 = parse_qs(urlsplit(sign_edge_url(secret=secret, user=fan, media_path=media, expires=expires).path).query)
    block, lines = 64 * 1024, []
    for n, start in enumerate(range(0, 35 * 10 * 1024, block)):
        end = min(SIZE, start + block) - 1
        hit = {
            "t": f"{at.timestamp() + n:.3f}", "status": "206", "sent": str(end - start + 1),
            "uri": f"/edge/{fan}/{media}", "range": f"bytes {start}-{end}/{SIZE}", "expires": str(expires),
            "md5": md5["md5"][0],
        }  # fmt: skip
        lines.append(json.dumps(hit))
    assert len(lines) == LINES
    return lines


def _read(c: Container, lines: list[str]) -> EdgeReport:
    return ingest_edge_log(c.sessions, lines=lines, secrets=EDGE, verifier=StreamVerifier(MemoryState(), secret=SECRET))


def _recorded(c: Container) -> int:
    with c.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(VerifiedStream)) or 0)


def _set(c: Container, album: str, status: ReleaseStatus, at: datetime | None) -> None:
    with transaction(c.sessions) as s:
        row = s.scalars(select(Album).where(Album.public_id == album)).one()
        catalog.set_release_status(s, album=row, status=status, now=at)


def test_a_track_taken_down_before_the_line_is_not_paid(container: Container) -> None:
    """It was: the log's reader paid every play it could verify, whatever the release's state."""
    c = container
    fan, _, album = _song(c)
    at = c.clock.now() - timedelta(hours=3)
    with transaction(c.sessions) as s:
        incident.withdraw_album(s, album_id=album, actor_id=None, now=at - timedelta(minutes=5), reason="notice")
    report = _read(c, _log(fan, at))
    assert report.counted == LINES  # served, and the spans kept: only the payment is refused
    assert (report.verified, _recorded(c)) == (0, 0), "a play served after the takedown was paid"
    assert dict(report.not_paid) == {"taken_down_before_play": 1}


@pytest.mark.parametrize(
    ("changes", "paid", "why"),
    [
        ([], True, ""),  # published throughout
        ([("withdrawn", -300)], False, "withdrawn_before_play"),
        ([("withdrawn", 2)], False, "withdrawn_before_play"),  # after the first line, before the one that verified
        ([("withdrawn", 3600)], True, ""),  # served while published, withdrawn since: paid, as it was served
        ([("withdrawn", None)], False, "withdrawn_time_unknown"),  # withdrawn before its time was kept
        ([("withdrawn", -7200), ("published", 3600)], False, "published_after_play"),  # withdrawn when served
        ([("withdrawn", -7200), ("published", -60)], True, ""),  # published again before the play
        # review24m F1: judged on the last change only, these two were wrong. Withdrawn and published again after a
        # play served while published: paid (it was "published_after_play")
        ([("withdrawn", 3600), ("published", 7200)], True, ""),
        # withdrawn before the play, published and withdrawn again after it: not paid (it was "withdrawn_after_play")
        ([("withdrawn", -300), ("published", 3600), ("withdrawn", 7200)], False, "withdrawn_before_play"),
        # published, withdrawn, published again, all before the play; withdrawn after it: paid
        ([("withdrawn", -7200), ("published", -3600), ("withdrawn", 3600)], True, ""),
        # a change with no time: the kept ones no longer tell, the status now decides
        ([("withdrawn", -7200), ("published", None)], True, ""),
    ],
    ids=["published", "withdrawn-before", "withdrawn-mid-play", "withdrawn-after", "withdrawn-untimed",
         "republished-after", "republished-before", "round-trip-after", "withdrawn-round-trip-after",
         "round-trip-before", "republished-untimed"],
)  # fmt: skip
def test_a_play_read_from_the_log_is_paid_only_if_published_when_it_verified(
    container: Container, changes: list[tuple[str, int | None]], paid: bool, why: str
) -> None:
    c = container
    fan, _, album = _song(c)
    at = c.clock.now() - timedelta(hours=3)
    for status, after_s in changes:
        _set(c, album, ReleaseStatus(status), None if after_s is None else at + timedelta(seconds=after_s))
    report = _read(c, _log(fan, at))
    assert report.counted == LINES
    assert (report.verified, _recorded(c)) == ((1, 1) if paid else (0, 0)), report
    assert dict(report.not_paid) == ({} if paid else {why: 1})
    assert _read(c, _log(fan, at)).verified == 0  # read again: nothing more either way


def test_a_play_served_while_published_then_taken_down_and_restored_is_paid(container: Container) -> None:
    """A mistaken takedown an hour after the play, restored an hour later, before the log is read: the play was
    served while published (review24m F1: it was refused as 'published_after_play', on the last change alone)."""
    c = container
    fan, _, album = _song(c)
    at = c.clock.now() - timedelta(hours=3)
    with transaction(c.sessions) as s:
        incident.withdraw_album(s, album_id=album, actor_id=None, now=at + timedelta(hours=1), reason="notice")
    with transaction(c.sessions) as s:
        incident.restore_album(s, album_id=album, actor_id=None, now=at + timedelta(hours=2))
    report = _read(c, _log(fan, at))
    assert report.counted == LINES
    assert (report.verified, _recorded(c), dict(report.not_paid)) == (1, 1, {})


def test_the_drain_refuses_a_track_withdrawn_before_the_record_was_kept_with_the_reason_logged(
    container: Container, caplog: pytest.LogCaptureFixture
) -> None:
    """A record verified about when it was kept (`Verified.kept_at`): a track withdrawn before that is not paid, as
    the live write would not have paid it (review23m M1), and the drain logs why."""
    c = container
    fan, song, album = _song(c)
    _set(c, album, ReleaseStatus.WITHDRAWN, c.clock.now())
    kept = playback.Verified(fan, song, "f" * 64, c.clock.now() - timedelta(minutes=1), 31_000)
    c.verified_outbox.keep(kept)
    with caplog.at_level(logging.WARNING, logger="encore"):
        assert c.verified_outbox.drain(partial(write_verified, c.sessions)) == playback.Drained(refused=1)
    assert "withdrawn_before_play" in caplog.text and _recorded(c) == 0
    with c.sessions() as s:
        assert s.scalar(select(Track.status).where(Track.public_id == song)) == "withdrawn"


@pytest.mark.parametrize("outbox", ["spool", "state"])
def test_a_kept_play_of_a_track_withdrawn_after_it_was_kept_is_paid(container: Container, outbox: str) -> None:
    """review24m F4: the drain judged a kept record by its track's status now, so a play served while published,
    kept (a node's spool may hold it for a day), then withdrawn before the drain was refused (`withdrawn_since`).
    The time it was kept is kept beside it (a state document's "k" map, a spool file's modification time)."""
    c = container
    fan, song, album = _song(c)
    box: playback.VerifiedOutbox = c.verified_outbox if outbox == "spool" else playback.StateOutbox(MemoryState())
    box.keep(playback.Verified(fan, song, "d" * 64, c.clock.now() - timedelta(minutes=1), 31_000))
    _set(c, album, ReleaseStatus.WITHDRAWN, c.clock.now() + timedelta(seconds=1))
    assert box.drain(partial(write_verified, c.sessions)) == playback.Drained(written=1)
    assert _recorded(c) == 1


def test_an_operator_takedown_and_restore_keep_their_time(container: Container) -> None:
    c = container
    _, _, album = _song(c)
    first, then = c.clock.now() - timedelta(days=1), c.clock.now()
    with transaction(c.sessions) as s:
        incident.withdraw_album(s, album_id=album, actor_id=None, now=first)
    with transaction(c.sessions) as s:
        incident.restore_album(s, album_id=album, actor_id=None, now=then)
    with c.sessions() as s:
        row = s.scalars(select(Album).where(Album.public_id == album)).one()
        assert (row.status, row.status_changed_at) == ("published", then)
