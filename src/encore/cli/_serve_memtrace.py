"""Bench-only memory tracing for `encore serve` (issue #16): off unless ENCORE_MEMTRACE_DIR is set.

With it set at startup, the process starts `tracemalloc` and, every ENCORE_MEMTRACE_EVERY_S seconds (default
60) and on SIGUSR2, writes a snapshot (`snap-<seconds>.tracemalloc`, for `bench.memory.tracediff`) and a line
of `memtrace.csv`: the Python heap as tracemalloc sees it beside VmRSS / RssAnon / RssFile and glibc's own
counts (`mallinfo2`: what malloc hands out and what it holds free) and pymalloc's (the 1 MiB arenas Python's
small objects live in, mapped apart from malloc's heap, and the bytes in their live blocks). RSS far above the
traced heap, with much held free by malloc or arenas far above their live blocks, is fragmentation; RSS above
all of them is native memory that bypasses both (mmap) or files.
Nothing is exposed over HTTP; the files go to the folder the operator named.
"""

import os
import re
import signal
import sys
import tempfile
import threading
import time
import tracemalloc
from pathlib import Path
from types import FrameType

from encore.kernel import malloc_stats

ENV_DIR, ENV_EVERY, ENV_FRAMES = "ENCORE_MEMTRACE_DIR", "ENCORE_MEMTRACE_EVERY_S", "ENCORE_MEMTRACE_FRAMES"
ENV_SNAP_AT = "ENCORE_MEMTRACE_SNAP_AT"  # seconds after the start to take snapshots at, e.g. "300,1200"
HEADER = (
    "seconds,vm_rss_kib,rss_anon_kib,rss_file_kib,traced_kib,traced_peak_kib,tracemalloc_kib,"
    "malloc_used_kib,malloc_free_kib,malloc_mmap_kib,pymalloc_arenas_kib,pymalloc_used_kib\n"
)


def _status() -> dict[str, int]:
    fields = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "RssAnon", "RssFile"):
            fields[key] = int(value.split()[0])
    return fields


def pymalloc_stats() -> tuple[int, int]:
    """Bytes in pymalloc's arenas and in their live blocks. CPython prints them only to the C stderr, so fd 2
    points at a temp file for the call (bench only: the soak's server writes nothing to stderr meanwhile)."""
    with tempfile.TemporaryFile() as out:
        sys.stderr.flush()
        saved = os.dup(2)
        try:
            os.dup2(out.fileno(), 2)
            sys._debugmallocstats()
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        out.seek(0)
        text = out.read().decode(errors="replace")

    def field(pattern: str) -> int:
        found = re.search(pattern + r"\s*=\s*([\d,]+)", text)
        return int(found.group(1).replace(",", "")) if found else 0

    return field(r"arenas \* \d+ bytes/arena"), field(r"# bytes in allocated blocks")


class MemTrace:
    def __init__(self, folder: Path, every_s: float, snap_at: list[float]) -> None:
        self.folder, self.every_s, self.started = folder, every_s, time.monotonic()
        self.snap_at = sorted(snap_at)
        self.lock = threading.Lock()

    def dump(self, *, snapshot: bool = False) -> None:
        """A line of memtrace.csv; and, if asked and tracing, a snapshot (it costs a copy of every trace, so
        only at the chosen seconds: taken every minute, the copies themselves were most of the growth)."""
        with self.lock:
            seconds = int(time.monotonic() - self.started)
            tracing = tracemalloc.is_tracing()
            if snapshot and tracing:
                path, n = self.folder / f"snap-{seconds:05d}.tracemalloc", 1
                while path.exists():  # two in one second (a signal beside a chosen time): keep both
                    path, n = self.folder / f"snap-{seconds:05d}-{n}.tracemalloc", n + 1
                tracemalloc.take_snapshot().dump(str(path))
            traced, peak = tracemalloc.get_traced_memory() if tracing else (0, 0)
            used, free, mapped = malloc_stats()
            s = _status()
            kib = [traced, peak, tracemalloc.get_tracemalloc_memory(), used, free, mapped, *pymalloc_stats()]
            row = [seconds, s["VmRSS"], s["RssAnon"], s["RssFile"], *(n // 1024 for n in kib)]
            with (self.folder / "memtrace.csv").open("a") as out:
                out.write(",".join(map(str, row)) + "\n")

    def _loop(self) -> None:
        due = time.monotonic()
        while True:
            due += self.every_s
            time.sleep(max(0.0, due - time.monotonic()))
            elapsed = time.monotonic() - self.started
            snap = bool(self.snap_at) and elapsed >= self.snap_at[0]
            if snap:
                self.snap_at.pop(0)
            self.dump(snapshot=snap)

    def _on_signal(self, _signum: int, _frame: FrameType | None) -> None:
        threading.Thread(target=lambda: self.dump(snapshot=True), daemon=True).start()  # the handler may hold the lock


def start_from_env(environ: dict[str, str] | None = None) -> MemTrace | None:
    """Start tracing if ENCORE_MEMTRACE_DIR is set (bench only); returns None, and costs nothing, otherwise."""
    env = os.environ if environ is None else environ
    if not env.get(ENV_DIR):
        return None
    folder = Path(env[ENV_DIR])
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "memtrace.csv").write_text(HEADER)
    frames = int(env.get(ENV_FRAMES, "0"))  # 0: only the counters (RSS, malloc), no tracemalloc and its cost
    if frames and not tracemalloc.is_tracing():
        tracemalloc.start(frames)
    snap_at = [float(x) for x in env.get(ENV_SNAP_AT, "").split(",") if x.strip()]
    trace = MemTrace(folder, float(env.get(ENV_EVERY, "30")), snap_at)
    trace.dump(snapshot=True)
    signal.signal(signal.SIGUSR2, trace._on_signal)
    threading.Thread(target=trace._loop, name="memtrace", daemon=True).start()
    return trace
