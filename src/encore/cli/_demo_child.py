"""The rest of the demo catalogue, built by a child process that `encore serve --build-demo` owns.

A child process rather than a thread of the server or a job on its in-process huey threads: synthesis,
encoding and ingest are CPU-bound Python and numpy, and on the server's threads they would hold the GIL the
player's requests need. One process with one ingest worker, at a lower CPU priority, uses at most one core,
so on a 2-core machine the player keeps the other. The server stops it on exit; the next start resumes it.
If the server dies without stopping it (SIGKILL, a closed terminal's SIGHUP), Linux sends the child SIGTERM
(PR_SET_PDEATHSIG), so no orphan keeps the build lock. The child inherits the server's held build lock as a
descriptor, so the lock is never free while a build is under way.
"""

import ctypes
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from encore.demo import library_dir, read_progress

NICENESS = 10
STOP_WAIT_S = 10


@dataclass
class DemoBuilder:
    process: subprocess.Popen[bytes]
    log: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(STOP_WAIT_S)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def _dies_with(parent: int) -> Callable[[], None]:
    """What the child runs between fork and exec: a lower priority and, on Linux, SIGTERM when the parent
    dies (checked once more after the prctl: the parent may have died before it)."""
    prctl = ctypes.CDLL(None, use_errno=True).prctl if sys.platform.startswith("linux") else None  # before fork

    def setup() -> None:
        os.nice(NICENESS)
        if prctl is not None:
            prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
            if os.getppid() != parent:
                os._exit(1)

    return setup


def start_demo_builder(data_dir: Path, lock: TextIO) -> DemoBuilder | None:
    """Start the child if a demo build was begun here (`encore demo --first-only`) and is not finished; it
    takes over `lock` (the held build lock: the caller closes its own copy afterwards)."""
    progress = read_progress(library_dir(data_dir))
    if progress is None or progress.finished:
        return None
    log = data_dir / "demo-build.log"
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    fd = lock.fileno()
    with open(log, "ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "encore.cli", "demo", "--workers", "1", "--handed-lock-fd", str(fd)],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            pass_fds=(fd,),
            start_new_session=True,  # Ctrl-C reaches the server, which stops the child itself
            preexec_fn=_dies_with(os.getpid()),  # noqa: PLW1509 - nice and prctl only, no locks or threads
        )
    return DemoBuilder(process, log)
