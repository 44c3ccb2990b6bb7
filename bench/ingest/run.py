"""Ingest benchmark: end-to-end x realtime per core, and the re-scan rate of an unchanged tree.

    .venv/bin/python -m bench.ingest.run [--tracks 24] [--seconds 60] [--rescan-files 5000]

End to end = probe + tags + decode + Vorbis 160 + Opus 96 + EBU R128 + artwork + commit, over demo
files (FLAC, MP3, Ogg) synthesised first (synthesis is not timed).
"""

import argparse
import os
import platform
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from encore.bootstrap import build
from encore.config import Settings
from encore.db import transaction
from encore.demo import DemoSpec, plan_catalogue, write_demo_library
from encore.ingest import SourceFile, run_ingest, scan


def end_to_end(root: Path, tracks: int, seconds: float, workers: int) -> tuple[float, float, int]:
    plan = plan_catalogue(
        DemoSpec(artists=8, albums=max(tracks // 6, 1), tracks=tracks, min_track_s=seconds, max_track_s=seconds, seed=5)
    )
    lib = root / f"lib-{workers}"
    write_demo_library(plan, lib, workers=2)
    audio_s = sum(t.seconds for a in plan.albums for t in a.tracks)
    c = build(Settings(mode="dev", data_dir=root / f"var-{workers}"))
    c.migrate()
    t0 = time.perf_counter()
    summary = run_ingest(
        paths=[lib], session_factory=c.sessions, store=c.store, label_override=None, workers=workers, progress=None
    )
    wall = time.perf_counter() - t0
    assert summary.imported == tracks and not summary.failed, summary
    c.close()
    return audio_s, wall, summary.imported


def rescan(root: Path, files: int) -> float:
    """Register `files` small files as already imported (rows written directly: importing 5,000
    clips first would take minutes and measure nothing new), then time a run that must skip them all."""
    lib = root / "rescan"
    for i in range(files):
        folder = lib / f"{i // 100:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{i:05d}.flac").write_bytes(os.urandom(256))  # never read by a re-scan
    c = build(Settings(mode="dev", data_dir=root / "var-rescan"))
    c.migrate()
    with transaction(c.sessions) as s:
        for path, st in scan([lib]):
            s.add(SourceFile(path=path, size=st.st_size, mtime_ns=st.st_mtime_ns, status="imported"))
    best = 0.0
    for _ in range(3):
        t0 = time.perf_counter()
        again = run_ingest(
            paths=[lib], session_factory=c.sessions, store=c.store, label_override=None, workers=2, progress=None
        )
        wall = time.perf_counter() - t0
        assert again.skipped == files and again.total == files, again
        best = max(best, files / wall)
    c.close()
    return best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tracks", type=int, default=24)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--rescan-files", type=int, default=5000)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="encore-ingest-bench-"))
    print(f"Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC · {os.cpu_count()} cores · {platform.platform()}")
    print(
        f"Command: .venv/bin/python -m bench.ingest.run --tracks {args.tracks} --seconds {args.seconds:g} "
        f"--rescan-files {args.rescan_files}\n"
    )
    print("| run | audio (s) | wall (s) | x realtime | x realtime per core |\n|---|---|---|---|---|")
    for workers in (1, 2):
        audio_s, wall, _ = end_to_end(root, args.tracks, args.seconds, workers)
        print(
            f"| end to end, {workers} worker(s) | {audio_s:.0f} | {wall:.1f} | {audio_s / wall:.1f} | {audio_s / wall / workers:.1f} |"
        )
    rate = rescan(root, args.rescan_files)
    print(f"\nRe-scan of an unchanged tree of {args.rescan_files} files (best of 3): {rate:.0f} files/s")


if __name__ == "__main__":
    main()
