"""review24m F2: with Redis, a web node started with `ENCORE_JOBS_IN_PROCESS=0` (docs/deploy.md's recipe when
`encore worker`s take the queue elsewhere) never ran its own minutely drain, so a verified stream its
SharedOutbox kept in the node's spool (Redis and the database both away at a response's end) stayed there for
good. A real `encore serve` on the session's real redis-server, with one record in its spool."""

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from encore.accounts import create_user
from encore.bootstrap import Container
from encore.db import transaction
from encore.playback import SpoolOutbox, Verified, VerifiedStream
from tests.catalog import factories as f
from tests.support.live import free_port
from tests.support.redis import RedisServer

BOUND_S = 60.0  # the drain runs at start; the rest is a loaded machine's interpreter start-up and migrate


def test_a_web_node_whose_jobs_run_elsewhere_drains_its_own_spool(
    container: Container, redis_server: RedisServer
) -> None:
    with transaction(container.sessions) as s:
        fan = create_user(s, username="fan", password="fan-password-1")
        band = f.artist(s, "Band")
        song = f.track(s, "Song", f.album(s, "LP", band), [band], number=1, duration_ms=200_000)
        user, track = fan.public_id, song.public_id
    spool = container.settings.data_dir / "outbox" / "verified"
    SpoolOutbox(spool).keep(Verified(user, track, "ab" * 32, datetime.now(UTC) - timedelta(minutes=5), 31_000))
    assert len(list(spool.glob("*.json"))) == 1  # the record (beside it, when it was kept)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ENCORE_")}
    env |= {
        "ENCORE_MODE": "dev",
        "ENCORE_DATA_DIR": str(container.settings.data_dir),
        "ENCORE_DATABASE_URL": container.settings.resolved_database_url,
        "ENCORE_REDIS_URL": redis_server.url,
        "ENCORE_REDIS_PREFIX": redis_server.new_prefix(),
        "ENCORE_JOBS_IN_PROCESS": "0",
    }
    command = [sys.executable, "-c", "from encore.cli import app; app()", "serve", "--host", "127.0.0.1"]
    server = subprocess.Popen(
        [*command, "--port", str(free_port())], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + BOUND_S
        while (rows := _rows(container)) == 0 and time.monotonic() < deadline and server.poll() is None:
            time.sleep(0.2)
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    assert rows == 1
    assert list(spool.iterdir()) == []  # written, then unlinked


def _rows(container: Container) -> int:
    with container.sessions() as s:
        return s.scalar(select(func.count()).select_from(VerifiedStream)) or 0
