"""Where the suite's servers keep their files: tmpfs when the machine has one.

The test PostgreSQL and Redis write on every test (a database copied from a template, an append-only file synced
at every write), and on the VM's disk those writes waited far longer than they computed (docs/benchmarks.md,
"Suite time, session 11"). Nothing is lost by memory: PostgreSQL runs without fsync anyway, and a Redis restart
(tests/state) restarts the process, not the machine, so its append-only file is still there to read.
"""

import os
import shutil
from pathlib import Path

MEMORY_DIR = Path("/dev/shm")
# Each xdist worker's PostgreSQL holds ~50 MB of databases and up to its max_wal_size (256 MB) of log; a
# container's default /dev/shm (64 MB in Docker) is too small, and then the servers keep to the temp dir.
MIN_FREE_BYTES = 2 * 1024**3


def memory_dir() -> Path | None:
    """A tmpfs directory this process may write with room to spare (for tempfile's `dir`), or None: the default
    temp dir."""
    if not (MEMORY_DIR.is_dir() and os.access(MEMORY_DIR, os.W_OK | os.X_OK)):
        return None
    return MEMORY_DIR if shutil.disk_usage(MEMORY_DIR).free >= MIN_FREE_BYTES else None
