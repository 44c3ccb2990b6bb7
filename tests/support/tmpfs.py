"""Where the suite's servers keep their files: tmpfs when the machine has one.

The test PostgreSQL and Redis write on every test (a database copied from a template, an append-only file synced
at every write), and on the VM's disk those writes waited far longer than they computed (docs/benchmarks.md,
"Suite time, session 11"). Nothing is lost by memory: PostgreSQL runs without fsync anyway, and a Redis restart
(tests/state) restarts the process, not the machine, so its append-only file is still there to read.
"""

import os
from pathlib import Path

MEMORY_DIR = Path("/dev/shm")


def memory_dir() -> Path | None:
    """A tmpfs directory this process may write (for tempfile's `dir`), or None: the default temp dir."""
    return MEMORY_DIR if MEMORY_DIR.is_dir() and os.access(MEMORY_DIR, os.W_OK | os.X_OK) else None
