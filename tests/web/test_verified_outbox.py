"""A verified stream whose write fails at the response's end is kept and written once the database answers
(review23 F3: a player that fetched the whole track asks for nothing more, so nothing retried the write and the
play was lost for good). Embedded: a spool under the data dir; with Redis: the shared state. Both are drained by
the minutely job, and neither counts a play twice."""

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

import encore
from encore import playback
from encore.bootstrap import Container, build
from encore.config import Settings
from encore.db import transaction
from encore.web import create_app
from tests.support.redis import RedisServer, find_redis_server, remove, start_redis
from tests.web.conftest import login
from tests.web.test_verified_streams import AUDIO, _failing_once, _url, _verified, _world, minute


@pytest.fixture(params=["embedded", "redis"])
def kept_where(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def outbox_settings(kept_where: str, tmp_path: Path, database_url: str, request: pytest.FixtureRequest) -> Settings:
    if kept_where == "embedded":
        return Settings(mode="dev", data_dir=tmp_path / "var", database_url=database_url)
    server: RedisServer = request.getfixturevalue("redis_server")
    return Settings(
        mode="dev",
        data_dir=tmp_path / "var",
        database_url=database_url,
        redis_url=server.url,
        redis_prefix=server.new_prefix(),
    )


@pytest.fixture
def outbox_container(outbox_settings: Settings) -> Iterator[Container]:
    c = build(outbox_settings)
    yield c
    c.close()


class Database:
    """The database as the verified-stream writes see it: away (each write fails as a lost connection does),
    or back; `calls` counts the writes tried. `commits_then_fails`: while away, each write is committed but
    its answer never arrives (the connection drops after the COMMIT)."""

    def __init__(self, c: Container, monkeypatch: pytest.MonkeyPatch, *, commits_then_fails: bool = False) -> None:
        self.down, self.calls = True, 0
        real = playback.write_verified_stream

        def flaky(
            session: Session, *, verified: playback.Verified, verified_at: datetime | None = None
        ) -> playback.Written:
            self.calls += 1
            if self.down and commits_then_fails:
                with transaction(c.sessions) as own:
                    real(own, verified=verified, verified_at=verified_at)
            if self.down:
                raise OperationalError("INSERT", {}, Exception("server closed the connection unexpectedly"))
            return real(session, verified=verified, verified_at=verified_at)

        monkeypatch.setattr(playback, "write_verified_stream", flaky)


def _stream_whole_track(c: Container) -> None:
    world = _world(c)
    with TestClient(create_app(c), base_url="http://testserver") as api:
        h = {"Authorization": f"Bearer {login(api, world.premium)}"}
        whole = api.get(_url(api, h, world.song))
        assert whole.status_code == 200 and whole.content == AUDIO


def test_a_whole_track_sent_while_the_database_is_away_is_recorded_once_it_is_back(
    outbox_container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    c = outbox_container
    db = Database(c, monkeypatch)
    _stream_whole_track(c)  # its last block verified the play while every write failed
    assert _verified(c) == 0
    minute(c)  # still away: the drain's write fails too, and the play stays kept
    assert _verified(c) == 0
    db.down = False  # the database is back
    minute(c)
    assert _verified(c) == 1, "the play whose whole audio was sent is recorded once the database answers"
    tried = db.calls
    minute(c)  # nothing left: no write is tried again, nothing counted twice
    assert db.calls == tried and _verified(c) == 1


def test_a_write_that_committed_though_it_answered_an_error_counts_once(
    outbox_container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    c = outbox_container
    db = Database(c, monkeypatch, commits_then_fails=True)
    _stream_whole_track(c)
    assert _verified(c) == 1  # written, though the byte path was told it failed
    db.down = False
    tried = db.calls
    minute(c)  # the kept record is written again: the play's key makes it a no-op
    assert db.calls == tried + 1 and _verified(c) == 1
    minute(c)
    assert db.calls == tried + 1 and _verified(c) == 1  # and it left the outbox


def test_a_kept_record_outlasts_the_process_that_kept_it(
    outbox_settings: Settings, kept_where: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The spool (embedded) and Redis both outlast a restart: another interpreter, built from the same settings,
    drains what this one kept before it closed."""
    c = build(outbox_settings)
    try:
        Database(c, monkeypatch)
        _stream_whole_track(c)
        assert _verified(c) == 0
    finally:
        c.close()
    monkeypatch.undo()
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join((str(Path(encore.__file__).parents[1]), ".")),
        "ENCORE_MODE": "dev",
        "ENCORE_DATA_DIR": str(outbox_settings.data_dir),
        "ENCORE_DATABASE_URL": outbox_settings.resolved_database_url,
        "ENCORE_REDIS_URL": outbox_settings.redis_url or "",
        "ENCORE_REDIS_PREFIX": outbox_settings.redis_prefix,
    }
    if kept_where == "embedded":
        del env["ENCORE_REDIS_URL"]
    code = (
        "import json; from datetime import datetime; from encore.bootstrap import build\n"
        "c = build(); huey = c.jobs.huey\n"
        "for task in huey.read_periodic(datetime.now()):\n"
        "    if task.name.startswith('encore.minutely.'): huey.execute(task)\n"
        "c.close(); print(json.dumps('drained'))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == "drained"
    again = build(outbox_settings)
    try:
        assert _verified(again) == 1
    finally:
        again.close()


def test_a_record_that_cannot_be_kept_either_is_left_to_the_rest_of_its_play(
    container: Container, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The spool cannot be written (a file stands where its folder goes): the failure says the record is lost
    unless more of the play is sent, and the play is unmarked, so the response's end verifies it again."""
    container.settings.data_dir.joinpath("outbox").mkdir(parents=True, exist_ok=True)  # the data dir makes it
    container.settings.data_dir.joinpath("outbox", "verified").write_bytes(b"in the way")
    calls = _failing_once(monkeypatch)
    _stream_whole_track(container)  # verified at 30 s: not written, not kept; verified again at the end
    assert len(calls) == 2 and _verified(container) == 1
    assert any(r.message == playback.LOST for r in caplog.records)


def test_with_redis_and_the_database_both_away_the_play_is_kept_on_the_node_and_written_by_its_drain(
    tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """fixout24: with Redis configured, a record the shared state could not keep (Redis away too at the response's
    end) was logged LOST. It goes to this node's spool, and this node's own minutely run writes it."""
    binary = find_redis_server()
    assert binary is not None
    server = start_redis(binary, in_memory=True)  # its own server: this test stops it
    settings = Settings(
        mode="dev", data_dir=tmp_path / "var", database_url=database_url, redis_url=server.url, redis_prefix="t:"
    )
    c = build(settings)
    try:
        db = Database(c, monkeypatch)
        real = playback.StateOutbox.keep

        def redis_goes_too(outbox: playback.StateOutbox, verified: playback.Verified) -> None:
            server.stop()  # Redis goes away between the failed write and the keep
            real(outbox, verified)

        monkeypatch.setattr(playback.StateOutbox, "keep", redis_goes_too)
        _stream_whole_track(c)
        assert _verified(c) == 0
        assert not any(r.message == playback.LOST for r in caplog.records), "the play was lost"
        assert len(list((tmp_path / "var" / "outbox" / "verified").glob("*.json"))) == 1
        db.down = False
        for task in c.jobs.here.values():  # this node's minutely run, Redis still away
            task()
        assert _verified(c) == 1
        assert list((tmp_path / "var" / "outbox" / "verified").glob("*.json")) == []
    finally:
        c.close()
        remove(server)
