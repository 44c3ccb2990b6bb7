"""The rest of the demo catalogue, built by a child process that `encore serve --build-demo` owns.

A child process rather than a thread of the server or a job on its in-process huey threads: synthesis,
encoding and ingest are CPU-bound Python and numpy, and on the server's threads they would hold the GIL the
player's requests need. One process with one ingest worker, at a lower CPU priority, uses at most one core,
so on a 2-core machine the player keeps the other. The server stops it on exit; the next start resumes it.
"""

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

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


def start_demo_builder(data_dir: Path) -> DemoBuilder | None:
    """Start the child if a demo build was begun here (`encore demo --first-only`) and is not finished."""
    progress = read_progress(library_dir(data_dir))
    if progress is None or progress.finished:
        return None
    log = data_dir / "demo-build.log"
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    with open(log, "ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "encore.cli", "demo", "--workers", "1"],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,  # Ctrl-C reaches the server, which stops the child itself
            preexec_fn=lambda: os.nice(NICENESS),  # noqa: PLW1509 - only os.nice, no locks or threads
        )
    return DemoBuilder(process, log)
