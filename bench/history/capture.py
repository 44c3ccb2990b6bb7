"""ListenBrainz capture speed (issue #17): `single` submissions/s and listens/s through `import`.

    .venv/bin/python -m bench.history.capture [--seconds 10] [--connections 50] [--batches 50] [--postgres]

One server process (bench/history/serve.py: `encore serve` plus a constant-JSON route) pinned to core 0.
- singles: wrk (-t1, closed loop) on core 1 posts `single` listens, each a new one, from `--listeners`
  listeners in turn (each request checks its token: a batch of one listener's would ask once); the constant-JSON
  route is measured the same way just before and after (the framework's floor in this run);
- imports: `--batches` requests of 1,000 listens from 4 client threads;
- in process, no HTTP: history.submit_listens on 1,000-listen batches against the raw driver's
  executemany of the same rows into the same table (the reference), and the same batches again
  (all duplicates: the idempotent path).
Every listen sent is then counted in the database: the figures only stand if none is missing or doubled.
Each HTTP phase also reports the server process's CPU per request (/proc, all threads): on this shared,
loaded machine that, not requests/s, says what one core could serve. The import phase also says how much of
it was the server's cyclic garbage collector (bench/history/serve.py's `/bench/gc`).
With --postgres a throwaway PostgreSQL server (tests/support/postgres.py) holds the database instead.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select, text
from tests.catalog import factories
from tests.support.postgres import find_pg_bin, start_postgres

from encore import history
from encore.accounts import create_user, regenerate_listen_token
from encore.bootstrap import Container, build
from encore.config import Settings
from encore.db import create_db_engine, transaction

HERE = Path(__file__).resolve().parent
SECRET = "bench-history-" + "k" * 40


POSTMASTERS: dict[str, int] = {}  # a throwaway PostgreSQL's URL -> its postmaster's pid


def tree_cpu(pid: int) -> float:
    """CPU seconds of a process, its reaped children and its live ones (a PostgreSQL server: the postmaster and
    every backend, gone or not)."""
    proc = Path(f"/proc/{pid}")
    try:
        fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
        children = (proc / "task" / str(pid) / "children").read_text().split()
    except OSError:  # a backend that ended meanwhile is in its parent's reaped-children time
        return 0.0
    own = sum(int(x) for x in fields[11:15]) / os.sysconf("SC_CLK_TCK")
    return own + sum(tree_cpu(int(child)) for child in children)


@contextmanager
def database(work: Path, postgres: bool, prefilled: Path | None = None) -> Iterator[str]:
    if not postgres:
        if prefilled is not None:  # a copy: the prefilled file is never written
            shutil.copyfile(prefilled, work / "capture.db")
        yield f"sqlite:///{work / 'capture.db'}"
        return
    pg_bin = find_pg_bin()
    if pg_bin is None:
        raise SystemExit("no PostgreSQL binaries (initdb) found")
    server = start_postgres(pg_bin)
    try:
        admin = create_db_engine(server.url("postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql("CREATE DATABASE capture")
        admin.dispose()
        POSTMASTERS[server.url("capture")] = server.process.pid
        yield server.url("capture")
    finally:
        server.stop()


def serve(url: str, data: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "ENCORE_DATABASE_URL": url, "ENCORE_DATA_DIR": str(data), "ENCORE_MODE": "dev"}
    env |= {"ENCORE_SECRET_KEY": SECRET, "ENCORE_JOBS_IN_PROCESS": "0"}
    proc = subprocess.Popen(["taskset", "-c", "0", sys.executable, "-m", "bench.history.serve", str(port)], env=env)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/bench/const", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit("server did not start")


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process, all its threads (/proc/<pid>/stat): the load-independent figure."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wrk(
    base: str,
    *,
    path: str,
    token: str,
    base_ts: int,
    seconds: int,
    connections: int,
    server: int,
    postmaster: int | None = None,
) -> dict[str, float]:
    env = {**os.environ, "WRK_TOKEN": token, "WRK_PATH": path, "WRK_BASE_TS": str(base_ts)}
    cmd = ["taskset", "-c", "1", "wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "-s", str(HERE / "singles.lua")]
    cpu, pg = cpu_seconds(server), tree_cpu(postmaster) if postmaster else 0.0
    out = subprocess.run([*cmd, base], env=env, capture_output=True, text=True, check=False).stdout
    cpu, pg = cpu_seconds(server) - cpu, tree_cpu(postmaster) - pg if postmaster else 0.0
    line = next((x for x in out.splitlines() if x.startswith("RESULT")), "")
    fields = {k: float(v) for k, v in (kv.split("=") for kv in line.split()[1:])}
    rps = next((x for x in out.splitlines() if x.startswith("Requests/sec")), "Requests/sec: 0").split()[-1]
    # the server's CPU per answered request: what one core could serve, whatever else the machine runs
    answered = max(fields.get("requests", 0), 1)
    return {"rps": float(rps), "cpu_ms": 1000 * cpu / answered, "pg_ms": 1000 * pg / answered, **fields}


def import_body(batch: int, start: int) -> bytes:
    listens = [
        {
            "listened_at": start + batch * 1000 + i,
            "track_metadata": {"artist_name": f"Imp {i % 50}", "track_name": f"Song {batch}-{i}"},
        }
        for i in range(1000)
    ]
    return json.dumps({"listen_type": "import", "payload": listens}).encode()


def in_process(c: Container, user_id: int, batches: int) -> None:
    start = datetime(2019, 1, 1, tzinfo=UTC)
    lots = [
        [
            history.ListenIn(
                listened_at=start + timedelta(seconds=b * 1000 + i),
                artist_name=f"Proc {i % 50}",
                track_name=f"Tune {b}-{i}",
            )
            for i in range(1000)
        ]
        for b in range(batches)
    ]
    now = datetime.now(UTC)
    t0 = time.perf_counter()
    for lot in lots:
        with transaction(c.sessions) as s:
            history.submit_listens(s, user_id=user_id, listens=lot, source="bench", now=now)
    ours = time.perf_counter() - t0
    t0 = time.perf_counter()
    for lot in lots:
        with transaction(c.sessions) as s:
            assert history.submit_listens(s, user_id=user_id, listens=lot, source="bench", now=now) == 0
    again = time.perf_counter() - t0
    with transaction(c.sessions) as s:
        s.execute(text("DELETE FROM plays WHERE source = 'bench'"))
    raw = raw_reference(c, user_id, lots, now)
    n = batches * 1000
    print(f"in process, {batches} x 1000 listens: submit_listens {n / ours:,.0f}/s; same again (all duplicates) "
          f"{n / again:,.0f}/s; raw driver executemany of the same rows (reference) {n / raw:,.0f}/s "
          f"-> share of raw {raw / ours:.2f}")  # fmt: skip


def trigger_cost(c: Container, user_id: int, batches: int) -> None:
    """Listens matched to a catalogue track are counted in track_listens (on SQLite one grouped statement per
    insert since migration import8_1, a row trigger on PostgreSQL): the same rows inserted with a track id and
    without one (nothing to count)."""
    with transaction(c.sessions) as s:
        band = factories.artist(s, "Trigger Band")
        album = factories.album(s, "Trigger Album", band)
        tracks = [factories.track(s, f"T{i}", album, [band], number=i + 1).id for i in range(200)]
    now = datetime.now(UTC)
    runs = (("matched (counted)", True), ("unmatched (nothing to count)", False), ("matched again", True))
    for run, (label, with_track) in enumerate(runs):
        took = 0.0
        for b in range(batches):
            rows = [
                (user_id, f"trg-{run}-{b}-{i}", tracks[i % 200] if with_track else None, now - timedelta(seconds=b * 1000 + i), now, 0, "ended", False, "bench", True, "A", "T", None, None, None, None, None, None, "a\x1ft")
                for i in range(1000)
            ]  # fmt: skip
            t0 = time.perf_counter()
            with transaction(c.sessions) as s:
                history.insert_new_plays(s, rows)
            took += time.perf_counter() - t0
        print(f"insert_new_plays, {batches} x 1000 rows, {label}: {batches * 1000 / took:,.0f}/s")
    with transaction(c.sessions) as s:
        s.execute(text("DELETE FROM plays WHERE source = 'bench'"))


def raw_reference(c: Container, user_id: int, lots: list[list[history.ListenIn]], now: datetime) -> float:
    """The same rows, ids already made, sent with the driver's executemany: the floor of any insert path."""
    cols = "user_id, client_play_id, started_at, updated_at, ms_played, state, shuffle, source, is_listen, artist_name, track_name, match_key"
    marks = ", ".join(["%s"] * 12) if c.engine.dialect.name == "postgresql" else ", ".join(["?"] * 12)
    rows = [
        [
            (
                user_id,
                history.listen_play_id(x.listened_at, x.artist_name, x.track_name),
                x.listened_at,
                now,
                0,
                "ended",
                False,
                "bench",
                True,
                x.artist_name,
                x.track_name,
                history.text_key(x.artist_name, x.track_name)[:16],  # what plays.match_key holds
            )
            for x in lot
        ]
        for lot in lots
    ]
    t0 = time.perf_counter()
    for batch in rows:
        with c.engine.begin() as conn:
            cur = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
            cur.executemany(f"INSERT INTO plays ({cols}) VALUES ({marks})", batch)  # noqa: S608 - constant columns
    return time.perf_counter() - t0


def import_phase(base: str, *, token: str, batches: int, now: int, server: int, postmaster: int | None) -> None:
    """`batches` import requests of 1,000 listens from 4 clients: listens/s and the server's CPU per listen
    (and PostgreSQL's own, when it holds the database)."""
    bodies = [import_body(b, now - 300 * 86400) for b in range(batches)]
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
    with httpx.Client(base_url=base, headers=headers, timeout=120) as h, ThreadPoolExecutor(4) as pool:
        collector = h.get("/bench/gc").json()
        t0, cpu = time.perf_counter(), cpu_seconds(server)
        pg = tree_cpu(postmaster) if postmaster else 0.0
        codes = list(pool.map(lambda body: h.post("/1/submit-listens", content=body).status_code, bodies))
        took, cpu = time.perf_counter() - t0, cpu_seconds(server) - cpu
        pg = tree_cpu(postmaster) - pg if postmaster else 0.0
        after = h.get("/bench/gc").json()
    assert set(codes) == {200}, codes
    n = batches * 1000
    print(f"import: {batches} x 1000 listens, 4 clients, in {took:.2f} s = {n / took:,.0f} listens/s; "
          f"server CPU {1e6 * cpu / n:.1f} us/listen (one core: {n / cpu:,.0f} listens/s)")  # fmt: skip
    passes = [b - a for a, b in zip(collector["collections"], after["collections"], strict=True)]
    print(f"import: of which the server's garbage collector {1e6 * (after['seconds'] - collector['seconds']) / n:.1f} "
          f"us/listen ({passes} passes by generation)")  # fmt: skip
    if postmaster:
        print(f"import: PostgreSQL's own CPU (postmaster and backends) {1e6 * pg / n:.1f} us/listen; "
              f"Encore + PostgreSQL {1e6 * (cpu + pg) / n:.1f} us/listen")  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--connections", type=int, default=50)
    ap.add_argument("--batches", type=int, default=50)
    ap.add_argument("--postgres", action="store_true")
    ap.add_argument("--listeners", type=int, default=50, help="listeners (tokens) the singles come from")
    ap.add_argument("--http-only", action="store_true", help="skip the in-process measurements")
    ap.add_argument("--db", type=Path, help="SQLite: start from a copy of this database (bench.history.import_stages)")
    args = ap.parse_args()
    print(f"load before: {os.getloadavg()}")
    work = args.db.parent if args.db else None  # a large database's copy beside it, not in /tmp (RAM on some hosts)
    with tempfile.TemporaryDirectory(dir=work) as tmp, database(Path(tmp), args.postgres, args.db) as url:
        data = Path(tmp) / "var"
        c = build(Settings(mode="dev", data_dir=data, database_url=url, secret_key=SECRET))  # type: ignore[arg-type]
        c.migrate()
        with transaction(c.sessions) as s:
            user_id = create_user(s, username="bench", password="bench-pass-123").id  # noqa: S106
            token = regenerate_listen_token(s, user_id=user_id, now=c.clock.now())
            names = [f"bench{i}" for i in range(1, args.listeners)]
            others = [create_user(s, username=name, password="bench-pass-123").id for name in names]  # noqa: S106
            tokens = [token] + [regenerate_listen_token(s, user_id=uid, now=c.clock.now()) for uid in others]
        if not args.http_only:
            in_process(c, user_id, args.batches)
            trigger_cost(c, user_id, args.batches)
        port = 18900 + os.getpid() % 300
        proc = serve(url, data, port)
        base = f"http://127.0.0.1:{port}"
        now = int(time.time())
        try:
            results: dict[str, dict[str, Any]] = {}
            for name, path in (
                ("floor", "/bench/const"),
                ("single", "/1/submit-listens"),
                ("floor again", "/bench/const"),
            ):
                results[name] = wrk(
                    base,
                    path=path,
                    token=",".join(tokens),
                    base_ts=now - 20 * 86400,
                    seconds=args.seconds,
                    connections=args.connections,
                    server=proc.pid,
                    postmaster=POSTMASTERS.get(url),
                )
            floor = min(results["floor"]["rps"], results["floor again"]["rps"])
            for name, r in results.items():
                print(f"{name:12} {r['rps']:8,.0f} req/s  p50 {r.get('p50', 0):.1f} ms  p99 {r.get('p99', 0):.1f} ms  "
                      f"non-2xx {r.get('non2xx', 0):.0f} errors {r.get('errors', 0):.0f}  share of floor {r['rps'] / floor:.2f}  "
                      f"server CPU {r['cpu_ms']:.3f} ms/request (one core: {1000 / r['cpu_ms']:,.0f}/s)")  # fmt: skip
                if POSTMASTERS.get(url):
                    both = r["cpu_ms"] + r["pg_ms"]
                    print(f"{'':12} PostgreSQL's own CPU {r['pg_ms']:.3f} ms/request; Encore + PostgreSQL {both:.3f} "
                          f"ms/request (one core: {1000 / both:,.0f}/s)")  # fmt: skip
            import_phase(
                base, token=token, batches=args.batches, now=now, server=proc.pid, postmaster=POSTMASTERS.get(url)
            )
        finally:
            proc.terminate()
            proc.wait(timeout=30)
        with transaction(c.sessions) as s:
            kept = s.scalar(select(func.count()).select_from(history.Play).where(history.Play.source == "listenbrainz"))
        sent = int(results["single"]["requests"]) + args.batches * 1000
        print(f"listens kept {kept:,}; requests sent {sent:,} (wrk's count includes requests cut off at the end)")
        c.close()
    print(f"load after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
