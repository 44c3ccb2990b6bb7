"""What the byte path's file lookup costs per range, now that it follows the catalogue's version (probe22 F2).

`CachedResolver` (production's lookup) answers a range from memory and reads the `catalogue_version` row at
most once a second per process; this measures a cache hit (what almost every range is), against the same
resolver told never to read the version (`poll_s=inf`, the lookup as it was) and `DirectoryResolver` (what
bench/stream's embedded server stands in with), in alternating rounds; and the version read itself (one
indexed row on SQLite), which a process pays once a second, not per range.

    .venv/bin/python -m bench.stream.resolver [--calls 200000] [--rounds 7]
"""

import argparse
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from tests.catalog import factories as f
from tests.support.media import add_rendition

from encore.bootstrap import build
from encore.config import Settings
from encore.db import transaction
from encore.streaming import CachedResolver, DirectoryResolver

RENDITION = "vorbis160"


def _ns_per_call(resolve: Callable[[str, str], object], track: str, calls: int) -> float:
    started = time.perf_counter()
    for _ in range(calls):
        resolve(track, RENDITION)
    return (time.perf_counter() - started) / calls * 1e9


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-resolver-"))
    c = build(Settings(mode="dev", data_dir=work / "var", database_url=f"sqlite:///{work}/e.db"))
    c.migrate()
    with transaction(c.sessions) as s:
        artist = f.artist(s, "Bench")
        track = f.track(s, "Lookup", f.album(s, "Ranges", artist), [artist], duration_ms=60_000)
        add_rendition(c, s, track, b"OggS" + bytes(range(256)) * 40)
        public = track.public_id
    folder = work / "dir"
    folder.mkdir()
    (folder / f"{public}.{RENDITION}.ogg").write_bytes(b"OggS" + bytes(range(256)) * 40)
    resolvers: dict[str, Callable[[str, str], object]] = {
        "CachedResolver (follows the version)": CachedResolver(sessions=c.sessions, store=c.store),
        "CachedResolver, poll_s=inf (reference)": CachedResolver(
            sessions=c.sessions, store=c.store, poll_s=float("inf")
        ),
        "DirectoryResolver (reference)": DirectoryResolver(folder, ttl_s=3600),
    }
    for resolve in resolvers.values():
        assert resolve(public, RENDITION) is not None
    times: dict[str, list[float]] = {name: [] for name in resolvers}
    for _ in range(args.rounds):
        for name, resolve in resolvers.items():
            times[name].append(_ns_per_call(resolve, public, args.calls))
    follow = CachedResolver(sessions=c.sessions, store=c.store)
    reads = []
    for _ in range(2_000):
        started = time.perf_counter()
        follow._follow_catalogue(time.monotonic())  # the once-a-second read, alone
        reads.append((time.perf_counter() - started) * 1e6)
    c.close()
    print(
        f"Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC. Machine: {os.cpu_count()} CPUs, {platform.platform()}, Python {platform.python_version()}."
    )
    print(f"{args.rounds} alternating rounds of {args.calls:,} cache hits each; median (min) ns per call:")
    for name, values in times.items():
        print(f"  {name:42s} {statistics.median(values):6.0f} ({min(values):.0f})")
    p99 = statistics.quantiles(reads, n=100)[98]
    print(f"  the version read (2,000 times): median {statistics.median(reads):.0f} us, p99 {p99:.0f} us")


if __name__ == "__main__":
    main()
