"""`encore wrapped build` for everyone or one listener, with clear errors for bad input."""

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from encore.bootstrap import build
from encore.cli import app
from encore.db import transaction
from encore.insights import Snapshot, WrappedSnapshot
from tests.insights.world import make_world
from tests.support.migrate import migrated_sqlite

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sqlite_template: Path) -> Path:
    monkeypatch.setenv("ENCORE_MODE", "dev")
    monkeypatch.setenv("ENCORE_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("ENCORE_DATABASE_URL", raising=False)
    migrated_sqlite(sqlite_template, tmp_path / "var" / "encore.db")  # `migrate` below: nothing to do
    return tmp_path


def _stored() -> dict[tuple[int, str], Snapshot]:
    c = build()
    with c.sessions() as s:
        rows = s.execute(select(WrappedSnapshot.user_id, WrappedSnapshot.period, WrappedSnapshot.data)).all()
    c.close()
    return {(u, p): Snapshot.from_json(d) for u, p, d in rows}


def test_build_for_everyone_then_one_listener(env: Path) -> None:
    assert runner.invoke(app, ["migrate"]).exit_code == 0
    c = build()
    with transaction(c.sessions) as s:
        w = make_world(s)
        for day in range(1, 6):
            w.play(w.alice, 0, datetime(2024, 3, day, tzinfo=UTC))
        w.play(w.bob, 2, datetime(2024, 7, 1, tzinfo=UTC))
        w.play(w.bob, 2, datetime(2019, 7, 1, tzinfo=UTC))
        alice, bob = w.alice, w.bob
    c.close()

    everyone = runner.invoke(app, ["wrapped", "build", "--year", "2024"])
    assert everyone.exit_code == 0 and "2 listener(s)" in everyone.output
    stored = _stored()
    assert stored[(alice, "2024")].listens == 5 and stored[(bob, "2024")].listens == 1

    parallel = runner.invoke(app, ["wrapped", "build", "--decade", "2020s", "--workers", "2"])  # two processes
    assert parallel.exit_code == 0 and "2 listener(s)" in parallel.output, parallel.output
    assert _stored()[(alice, "2020s")].listens == 5 and _stored()[(bob, "2020s")].listens == 1

    one = runner.invoke(app, ["wrapped", "build", "--decade", "2010s", "--user", "BOB"])
    assert one.exit_code == 0 and "1 listener(s)" in one.output
    assert _stored()[(bob, "2010s")].top_artists[0].name == "Omar Reyes"


def test_bad_input_is_a_clear_error(env: Path) -> None:
    assert runner.invoke(app, ["migrate"]).exit_code == 0
    both = runner.invoke(app, ["wrapped", "build", "--year", "2024", "--decade", "2020s"])
    assert both.exit_code == 2 and "exactly one" in both.output
    bad = runner.invoke(app, ["wrapped", "build", "--decade", "1999x"])
    assert bad.exit_code == 1 and "decade like 2020s" in bad.output
    # review32c L3: a year given as a decade was built as that year without a word
    for year_as_decade in ("2025", "2020", "2025s"):
        refused = runner.invoke(app, ["wrapped", "build", "--decade", year_as_decade])
        said = " ".join(refused.output.split())
        assert refused.exit_code == 1 and f"{year_as_decade} is no decade" in said and "like 2020s" in said, said
        assert "Built" not in said
    nobody = runner.invoke(app, ["wrapped", "build", "--year", "2024", "--user", "ghost"])
    assert nobody.exit_code == 1 and "ghost" in nobody.output


# A parent building with worker processes, as `encore wrapped build --workers 2` does: each worker, once it has run
# its initializer and taken its task, leaves a file named by its pid in the folder given, then sleeps for five
# minutes (far past the test's waits); the parent waits on.
_PARENT = """
import os, sys, time
from pathlib import Path
from encore.cli._wrapped import worker_pool

def busy(folder):
    Path(folder, str(os.getpid())).touch()
    time.sleep(300)

if __name__ == "__main__":
    with worker_pool(2) as pool:
        busy_ = [pool.submit(busy, sys.argv[1]) for _ in range(2)]
        time.sleep(600)
"""
BOUND_S = 300  # a bound on a hang, never a measure: each wait ends as soon as what it waits for is seen


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has ended; only its exit status is left


def test_workers_end_when_the_parent_alone_is_terminated(tmp_path: Path) -> None:
    """SIGTERM to the parent only (not its process group, as Ctrl-C would): its workers end too, instead of
    building on, orphaned (session 7 found two such workers running an hour later). The parent is stopped once
    both workers are at work: it used to be stopped once they were started, and a worker still importing under a
    loaded machine's CPU (session 27) could take longer than the fixed 30 s the test then gave it to end."""
    script, started = tmp_path / "parent.py", tmp_path / "started"
    script.write_text(_PARENT)
    started.mkdir()
    parent = subprocess.Popen([sys.executable, str(script), str(started)])
    workers: list[int] = []
    try:
        deadline = time.monotonic() + BOUND_S
        while len(workers := [int(p.name) for p in started.iterdir()]) < 2:
            assert parent.poll() is None, "the parent ended before its workers were at work"
            assert time.monotonic() < deadline, "the workers never took their tasks"
            time.sleep(0.05)
        assert all(_alive(pid) for pid in workers)
        parent.send_signal(signal.SIGTERM)
        assert parent.wait(timeout=BOUND_S) == -signal.SIGTERM
        deadline = time.monotonic() + BOUND_S
        while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not any(_alive(pid) for pid in workers), "a worker outlived its parent"
    finally:
        parent.kill()
        parent.wait(timeout=30)
        for pid in workers:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
