"""A 100k-row Spotify extended history imported as a job, end to end (upload saved -> job done).

    .venv/bin/python -m bench.history.import_job [--rows 100000] [--postgres] [--profile 25 [--sort cumulative]] [--again] [--chunk N]

Prints the check pass and the whole job's wall and CPU time (drain runs the job in this process), with
the machine's load. `--postgres` runs on a throwaway PostgreSQL server (its CPU is not in `job_cpu`: the
server's own CPU time is printed beside it); `--profile N` prints the job's N most expensive functions
(cProfile, CPU clock); `--again` then imports the same file a second time (idempotency: adds nothing);
`--chunk N` writes N listens per transaction instead of following the 100 ms budget: on a loaded machine the
budget shrinks the chunks with the load, and each commit rewrites the touched index pages, so the CPU per
import moves with the load; a fixed chunk compares two versions of the code at equal work (it only patches
`_import.CHUNK` and `_import.next_chunk`, so it runs against older trees too).
"""

import argparse
import cProfile
import json
import os
import pstats
import resource
import shutil
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from bench.history.capture import database
from encore import history
from encore.accounts import create_user
from encore.bootstrap import Container, build
from encore.config import Settings
from encore.db import transaction
from encore.jobs import drain
from encore.portability import check_history, submit_import


def write_rows(path: Path, n: int) -> int:
    """The file json.dumps(list) would make, written row by row (so the bench's own peak memory stays small)."""
    start = datetime(2016, 1, 1, tzinfo=UTC)
    with path.open("w") as out:
        out.write("[")
        for i in range(n):
            row = {"ts": (start + timedelta(minutes=4 * i)).strftime("%Y-%m-%dT%H:%M:%SZ"), "ms_played": 200_000,
                   "master_metadata_track_name": f"Song {i % 4999}", "master_metadata_album_artist_name": f"Band {i % 397}",
                   "master_metadata_album_album_name": f"Album {i % 811}", "incognito_mode": False,
                   "spotify_track_uri": "spotify:track:4uLU6hMCjMI75M1A2tKUQC", "platform": "android", "conn_country": "DE"}  # fmt: skip
            out.write((", " if i else "") + json.dumps(row))
        out.write("]")
    return path.stat().st_size


def _server_cpu(url: str) -> float:
    """CPU seconds used so far by this run's PostgreSQL server: its postmaster (with the children it reaped)
    and its live children, found by the port in the URL; 0 on SQLite. Other servers on the machine are not counted."""
    if not url.startswith("postgresql"):
        return 0.0
    port = make_url(url).port
    stats: dict[int, list[str]] = {}
    master = None
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            stats[int(pid)] = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if cmd and cmd[0].endswith(b"postgres") and b"-p" in cmd and str(port).encode() in cmd:
            master = int(pid)
    if master is None:
        return 0.0
    ticks = sum(int(x) for x in stats[master][11:15])  # utime, stime, cutime, cstime
    ticks += sum(int(st[11]) + int(st[12]) for st in stats.values() if int(st[1]) == master)
    return ticks / os.sysconf("SC_CLK_TCK")


def import_once(
    c: Container, user_id: int, upload: Path, url: str, *, profile: int, sort: str = "tottime"
) -> tuple[float, float, float]:
    t0, cpu0, srv0 = time.perf_counter(), time.process_time(), _server_cpu(url)
    prof = cProfile.Profile(time.process_time) if profile else None
    if prof is not None:
        prof.enable()
    with transaction(c.sessions) as s:
        submit_import(s, jobs=c.jobs, user_id=user_id, upload=upload, filename="Streaming_History_Audio.json")
    drain(c.jobs)
    if prof is not None:
        prof.disable()
        pstats.Stats(prof).sort_stats(sort).print_stats(profile)
    return time.perf_counter() - t0, time.process_time() - cpu0, _server_cpu(url) - srv0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--profile", type=int, default=0)
    parser.add_argument("--sort", default="tottime", help="the profile's order (tottime, cumulative)")
    parser.add_argument("--again", action="store_true")
    parser.add_argument("--chunk", type=int, default=0)
    args = parser.parse_args()
    from encore.portability import _import

    real_write, writes = _import._write, [0]

    def counted(*a: Any, **k: Any) -> float:  # the write transactions (chunks) of the import
        writes[0] += bool(k.get("batch"))
        return real_write(*a, **k)

    _import._write = counted
    if args.chunk:
        _import.CHUNK = args.chunk
        _import.next_chunk = lambda size, took_s: args.chunk  # type: ignore[assignment]
    with tempfile.TemporaryDirectory() as tmp, database(Path(tmp), args.postgres) as url:
        c = build(Settings(mode="dev", data_dir=Path(tmp) / "var", database_url=url))
        c.migrate()
        with transaction(c.sessions) as s:
            user_id = create_user(s, username="bench", password="bench-password-1").id  # noqa: S106
        source = Path(tmp) / "source.json"
        size = write_rows(source, args.rows)
        upload = Path(tmp) / "upload.json"
        shutil.copyfile(source, upload)
        t0, cpu0 = time.perf_counter(), time.process_time()
        check_history(upload, name="Streaming_History_Audio.json", now=datetime.now(UTC))
        check_s, check_cpu = time.perf_counter() - t0, time.process_time() - cpu0
        total_s, cpu_s, srv_s = import_once(c, user_id, upload, url, profile=args.profile, sort=args.sort)
        with transaction(c.sessions) as s:
            kept = s.scalar(select(func.count()).select_from(history.Play).where(history.Play.user_id == user_id))
        print(f"{'postgresql' if args.postgres else 'sqlite'} rows={args.rows} bytes={size:,} "
              f"check_pass={check_s:.2f}s/{check_cpu:.2f}s_cpu job_end_to_end={total_s:.2f}s job_cpu={cpu_s:.2f}s server_cpu={srv_s:.2f}s "
              f"rows_per_s={args.rows / total_s:,.0f} plays={kept} max_rss={resource.getrusage(resource.RUSAGE_SELF).ru_maxrss >> 10}MiB "
              f"chunk={args.chunk or 'budget'} write_transactions={writes[0]} load={os.getloadavg()}")  # fmt: skip
        if args.again:
            shutil.copyfile(source, upload)
            total_s, cpu_s, srv_s = import_once(c, user_id, upload, url, profile=0)
            with transaction(c.sessions) as s:
                again = s.scalar(select(func.count()).select_from(history.Play).where(history.Play.user_id == user_id))
            print(f"  same file again: job_end_to_end={total_s:.2f}s job_cpu={cpu_s:.2f}s server_cpu={srv_s:.2f}s "
                  f"plays={again} (added {again - kept})")  # fmt: skip
        c.close()


if __name__ == "__main__":
    main()
