"""review27a L2 (fixmisc28): `kill -9` of a real `encore ingest` that analyses in a pool: its workers (~160 MB
each) and the forkserver they came from end with it, instead of waiting forever on their task pipe."""

import fcntl
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from encore.bootstrap import Container
from tests.ingest import corpus as c
from tests.ingest.conftest import ingest
from tests.support.races import flock_waited

BOUND_S = 120  # a bound on a hang, never a measure: each wait below ends as soon as what it waits for is seen


def _parents() -> dict[int, int]:
    """pid -> parent pid of every live process (a zombie has ended: only its exit status is left)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                state, ppid = (entry / "stat").read_text().rsplit(")", 1)[1].split()[:2]
            except (FileNotFoundError, ProcessLookupError):
                continue
            if state != "Z":
                found[int(entry.name)] = int(ppid)
    return found


def _descendants(root: int) -> dict[int, int]:
    """Each live descendant of `root` -> its depth (1: a child)."""
    parents, depth = _parents(), {root: 0}
    grew = True
    while grew:
        grew = False
        for pid, ppid in parents.items():
            if ppid in depth and pid not in depth:
                depth[pid] = depth[ppid] + 1
                grew = True
    return {pid: d for pid, d in depth.items() if pid != root}


def test_a_killed_encore_ingest_takes_its_pool_workers_with_it(db_container: Container, tmp_path: Path) -> None:
    """The run is caught with its two workers started (children of its forkserver) while it waits for the commit
    lock, which the test holds; then only the run is killed, as the OOM killer or an operator's `kill -9` does."""
    lib = tmp_path / "lib"
    lib.mkdir()
    for i in range(4):
        c.write_flac(lib / f"{i}.flac", c.tone(1.5, 300 + 60 * i, seed=i), title=f"W{i}", artist="A", album="B")
    store, settings = db_container.store, db_container.settings
    store.ensure()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ENCORE_")}
    env |= {"ENCORE_MODE": "dev", "ENCORE_DATA_DIR": str(settings.data_dir)}
    env |= {"ENCORE_DATABASE_URL": settings.resolved_database_url, "PYTHONPATH": os.pathsep.join(sys.path)}
    args = [sys.executable, "-m", "encore.cli", "ingest", str(lib), "--workers", "2"]
    commit_lock = store.root / ".ingest-commit.lock"
    left: dict[int, int] = {}
    with open(commit_lock, "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        with subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) as run:
            try:
                deadline = time.monotonic() + BOUND_S
                while not (flock_waited(commit_lock) and sum(d == 2 for d in _descendants(run.pid).values()) >= 2):
                    assert run.poll() is None, run.stderr.read() if run.stderr else ""
                    assert time.monotonic() < deadline, "the run never reached its commit with two workers"
                    time.sleep(0.05)
                left = _descendants(run.pid)  # its forkserver, the forkserver's workers, its resource tracker
            finally:
                os.kill(run.pid, signal.SIGKILL)
                run.wait()
    try:
        deadline = time.monotonic() + BOUND_S
        while (alive := set(left) & set(_parents())) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not alive, f"outlived the killed run: {sorted(alive)} of {left}"  # were all alive, for good
    finally:
        for pid in set(left) & set(_parents()):
            os.kill(pid, signal.SIGKILL)
    again = ingest(db_container, lib)  # nothing was held: the next run imports everything
    assert (again.imported, again.failed) == (4, []), again
