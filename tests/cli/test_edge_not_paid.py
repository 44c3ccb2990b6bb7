"""`encore edge ingest-log` says how many plays it read were not paid, and why: a track the operator took down
(`encore catalog withdraw`) before the log line that verified the play was served. The lines are written as
nginx writes them, signed with this install's edge secret (nginx itself: tests/cli/test_edge_cli.py)."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from encore import portability
from encore.accounts import create_user
from encore.bootstrap import Container, build
from encore.catalog import Rendition
from encore.cli import app
from encore.cli._edge import edge_secrets
from encore.db import transaction
from encore.playback import VerifiedStream
from tests.catalog import factories as f
from tests.playback.test_edge_withdrawn import SIZE, _log
from tests.support.migrate import migrated_sqlite

runner = CliRunner()
MEDIA = f"audio/ef/{'ef' * 32}.vorbis160.ogg"


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sqlite_template: Path) -> Iterator[Container]:
    monkeypatch.setenv("ENCORE_MODE", "dev")
    monkeypatch.setenv("ENCORE_DATA_DIR", str(tmp_path / "var"))
    migrated_sqlite(sqlite_template, tmp_path / "var" / "encore.db")
    assert runner.invoke(app, ["migrate"]).exit_code == 0
    c = build()
    yield c
    c.close()


def _lines(c: Container, fan: str, at: datetime) -> str:
    return "".join(
        line + "\n" for line in _log(fan, at, secret=edge_secrets(c, live_only=True)[""].secret, media=MEDIA)
    )


def test_a_play_of_a_track_taken_down_before_its_line_is_read_but_not_paid(site: Container, tmp_path: Path) -> None:
    c = site
    with transaction(c.sessions) as s:
        fan = create_user(s, username="fan", password="fan-password-1").public_id
        band = f.artist(s, "Band")
        album = f.album(s, "LP", band)
        song = f.track(s, "Song", album, [band], number=1, duration_ms=60_000)
        s.add(
            Rendition(
                track_id=song.id, kind="vorbis160", media_path=MEDIA, codec="vorbis", bitrate=160_000,
                sample_rate=44_100, channels=2, size=SIZE, sha256="0" * 64,
            )
        )  # fmt: skip
        album_id = album.public_id
    now = datetime.now(UTC)
    before, after = tmp_path / "before.log", tmp_path / "after.log"
    before.write_text(_lines(c, fan, now - timedelta(minutes=10)))  # served before the takedown
    after.write_text(_lines(c, fan, now + timedelta(seconds=30)))  # an edge URL nginx still serves after it
    took = runner.invoke(app, ["catalog", "withdraw", album_id, "--reason", "a notice"], input="y\n")
    assert took.exit_code == 0, took.output
    result = runner.invoke(app, ["edge", "ingest-log", str(before), str(after)])
    assert result.exit_code == 0, result.output  # a deliberate rule, not an alarm for cron
    said = " ".join(result.output.split())
    assert "12 edge responses counted, 1 verified streams recorded" in said, said
    assert "1 verified stream(s) not paid: the track was not published when the play verified" in said, said
    assert "taken_down_before_play: 1" in said, said
    with c.sessions() as s:
        assert s.scalar(select(func.count()).select_from(VerifiedStream)) == 1


def test_a_play_its_listener_forgot_before_the_log_is_read_names_no_one(site: Container, tmp_path: Path) -> None:
    """review24m F5: the command's `forgotten=` (a verified stream inside a range the listener asked to forget is
    written without their id, as the byte path and the outbox's drain write it) had no test of its own."""
    c = site
    with transaction(c.sessions) as s:
        user = create_user(s, username="fan", password="fan-password-1")
        fan, user_id = user.public_id, user.id
        band = f.artist(s, "Band")
        song = f.track(s, "Song", f.album(s, "LP", band), [band], number=1, duration_ms=60_000)
        s.add(
            Rendition(
                track_id=song.id, kind="vorbis160", media_path=MEDIA, codec="vorbis", bitrate=160_000,
                sample_rate=44_100, channels=2, size=SIZE, sha256="0" * 64,
            )
        )  # fmt: skip
    now = datetime.now(UTC)
    log = tmp_path / "edge.log"
    log.write_text(_lines(c, fan, now - timedelta(minutes=10)))
    with transaction(c.sessions) as s:  # the fan forgets the last hour before cron reads the log
        since = now - timedelta(hours=1)
        portability.submit_forget(s, jobs=c.jobs, user_id=user_id, since=since, until=now, everything=False, now=now)
    result = runner.invoke(app, ["edge", "ingest-log", str(log)])
    assert result.exit_code == 0, result.output
    assert "1 verified streams recorded" in " ".join(result.output.split()), result.output
    with c.sessions() as s:
        assert list(s.scalars(select(VerifiedStream.user_id))) == [None]
