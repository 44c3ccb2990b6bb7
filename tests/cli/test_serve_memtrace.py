"""`encore serve`'s bench-only memory tracing (issue #16): off unless asked; asked, it writes what it says."""

import json
import subprocess
import sys
from pathlib import Path

from encore.config import unknown_env_reasons

CHILD = r"""
import json, os, signal, sys, time, tracemalloc
from encore.cli._serve_memtrace import start_from_env
off = start_from_env({}) is None and not tracemalloc.is_tracing()
env = {"ENCORE_MEMTRACE_DIR": sys.argv[1], "ENCORE_MEMTRACE_EVERY_S": "0.2", "ENCORE_MEMTRACE_FRAMES": "2",
       "ENCORE_MEMTRACE_SNAP_AT": "0.3"}
start_from_env(env)
kept = [bytes(5000) for _ in range(2000)]  # 10 MB the snapshots must show
time.sleep(2.2)  # the files are named by whole seconds
os.kill(os.getpid(), signal.SIGUSR2)
time.sleep(1.0)
print(json.dumps({"off": off, "tracing": tracemalloc.is_tracing()}))
"""


def test_tracing_is_off_unless_asked_and_writes_rows_and_snapshots(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(tmp_path)], capture_output=True, text=True, check=True, timeout=120
    )
    assert json.loads(out.stdout) == {"off": True, "tracing": True}
    rows = (tmp_path / "memtrace.csv").read_text().splitlines()
    assert rows[0].startswith("seconds,vm_rss_kib") and len(rows) >= 4
    assert all(int(row.split(",")[1]) > 0 for row in rows[1:])  # VmRSS read
    snaps = sorted(tmp_path.glob("snap-*.tracemalloc"))
    assert len(snaps) == 3  # at the start, at 0.3 s, and on the signal
    import tracemalloc

    last = tracemalloc.Snapshot.load(str(snaps[-1]))
    assert sum(stat.size for stat in last.statistics("filename")) > 10_000_000


def test_the_tracing_variables_are_known_settings() -> None:
    names = ("ENCORE_MEMTRACE_DIR", "ENCORE_MEMTRACE_EVERY_S", "ENCORE_MEMTRACE_FRAMES", "ENCORE_MEMTRACE_SNAP_AT")
    assert unknown_env_reasons(dict.fromkeys(names, "1")) == []
