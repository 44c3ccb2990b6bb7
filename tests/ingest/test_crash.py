"""A run killed with SIGKILL between moving files into the store and committing rows leaves nothing
half-done: the next run sweeps the orphans and finishes the job."""

import fcntl
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from encore.bootstrap import Container
from encore.catalog import Album, Rendition, Track
from encore.ingest import SourceFile
from tests.ingest import corpus as c
from tests.ingest.conftest import ingest
from tests.support.races import flock_waited

# Commits the first track, then stops inside the second commit, after its files were renamed into
# the store and before its rows are written, and waits there to be killed.
_CHILD = """
import sys, time
from pathlib import Path
from encore.bootstrap import build
from encore.config import Settings
from encore.ingest import _commit, run_ingest

data_dir, url, lib, marker = sys.argv[1:5]
real, calls = _commit.save_track, []

def save_track(*args, **kwargs):
    calls.append(1)
    if len(calls) == 2:
        Path(marker).write_text("files renamed, rows not committed")
        time.sleep(120)
    return real(*args, **kwargs)

_commit.save_track = save_track
box = build(Settings(mode="dev", data_dir=Path(data_dir), database_url=url))
run_ingest(paths=[Path(lib)], session_factory=box.sessions, store=box.store, label_override=None,
           workers=1, progress=None)
"""


def _store_files(cont: Container) -> set[str]:
    return {*cont.store.iter_files("audio"), *cont.store.iter_files("art")}


def _referenced(cont: Container) -> set[str]:
    with cont.sessions() as s:
        paths = set(s.scalars(select(Rendition.media_path)))
        keys = [k for k in s.scalars(select(Album.artwork_key)) if k]
    return paths | {f"art/{k[:2]}/{k}/{size}.jpg" for k in keys for size in (640, 300, 64)}


def _wait_for(marker: Path, child: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while not marker.exists():
        assert child.poll() is None, log.read_text()
        assert time.monotonic() < deadline, "the child never reached the second commit"
        time.sleep(0.05)


def test_sigkill_mid_commit_then_rerun(db_container: Container, tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    lib.mkdir()
    for i in range(3):
        c.write_flac(lib / f"{i}.flac", c.tone(1.5, 300 + 80 * i, seed=i), title=f"K{i}", artist="A", album="B")
    marker = tmp_path / "marker"
    settings = db_container.settings
    log = tmp_path / "child.log"
    with log.open("wb") as err:
        child = subprocess.Popen(
            [
                sys.executable,
                "-c",
                _CHILD,
                str(settings.data_dir),
                settings.resolved_database_url,
                str(lib),
                str(marker),
            ],
            stderr=err,
        )
        try:
            _wait_for(marker, child, log)
        finally:
            os.kill(child.pid, signal.SIGKILL)
            child.wait()
    with db_container.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Track)) == 1
        assert s.scalar(select(func.count()).select_from(SourceFile)) == 1
    assert len(_store_files(db_container) - _referenced(db_container)) == 2  # the killed track's orphans

    again = ingest(db_container, lib)
    assert (again.imported, again.skipped, again.failed) == (2, 1, [])
    assert _store_files(db_container) == _referenced(db_container)
    with db_container.sessions() as s:
        assert sorted(s.scalars(select(Track.title))) == ["K0", "K1", "K2"]
        assert s.scalar(select(func.count()).select_from(Rendition)) == 6


def _alone(lock_file: Path) -> bool:
    """Whether the store's run lock could be had exclusively now (nobody holds it), asked without waiting."""
    with open(lock_file, "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True


def test_a_killed_encore_ingest_leaves_lock_files_that_block_no_one(db_container: Container, tmp_path: Path) -> None:
    """`kill -9` of a real `encore ingest` holding the store's run lock: its lock files stay on disk, but a flock is
    the open file's, so the kernel lets go when the process dies (no pid file, nothing to clean by hand); the next
    run has the store alone, sweeps the dead run's temp files and imports. The run is caught holding its run lock
    while it waits for the commit lock, which the test holds (seen in /proc/locks, not waited for by time)."""
    lib = tmp_path / "lib"
    lib.mkdir()
    c.write_flac(lib / "k.flac", c.tone(1.5, 500), title="Killed", artist="A", album="B")
    store, settings = db_container.store, db_container.settings
    store.ensure()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ENCORE_")}
    env |= {"ENCORE_MODE": "dev", "ENCORE_DATA_DIR": str(settings.data_dir)}
    env |= {"ENCORE_DATABASE_URL": settings.resolved_database_url, "PYTHONPATH": os.pathsep.join(sys.path)}
    args = [sys.executable, "-m", "encore.cli", "ingest", str(lib), "--workers", "1"]
    run_lock, commit_lock = store.root / ".ingest.lock", store.root / ".ingest-commit.lock"
    with open(commit_lock, "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        with subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) as run:
            try:
                deadline = time.monotonic() + 120  # a bound on a hang: the run reaches its commit or ends
                while not flock_waited(commit_lock):
                    assert run.poll() is None, run.stderr.read() if run.stderr else ""
                    assert time.monotonic() < deadline, "the run never reached its commit"
                    time.sleep(0.05)
                assert not _alone(run_lock)  # the live run holds the store
                assert any(store.tmp_dir.iterdir())  # its transcoded files, waiting to be committed
            finally:
                os.kill(run.pid, signal.SIGKILL)
                run.wait()
        assert run_lock.exists() and _alone(run_lock)  # the file stays; the lock went with the process
    again = ingest(db_container, lib)
    assert (again.imported, again.failed) == (1, []), again
    assert not any(store.tmp_dir.iterdir())  # the dead run's temp files were swept
    assert _store_files(db_container) == _referenced(db_container)
