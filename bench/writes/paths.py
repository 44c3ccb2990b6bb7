"""One of session 26's (and 25's) hot-path changes, measured in this process on whichever `encore` is on the path.

    PYTHONPATH=<tree>/src:. python -m bench.writes.paths PATH [--url postgresql+psycopg://...] [--ops N]

`bench.writes.alternate` runs this once per tree (the code before a change, from a detached worktree, and main),
alternated; each run builds its own database with that tree's own migrations (a fresh SQLite file, or a new
database on `--url`'s PostgreSQL server), sets up untimed, then times `--ops` operations and prints one JSON line:
this process's CPU per operation (all threads: `time.process_time`), wall per operation, and with `--postmaster`
the PostgreSQL server's CPU per operation (the postmaster and every backend, /proc).

PATH:
- `version`: a catalogue write's transaction at its smallest: `catalog.catalogue_changed` (the one statement that
  moves the catalogue's version; fixapi26 added `changed_ms`, one CASE, to it) and the commit.
- `version-prebuilt`: the current tree's statement as a bench-only replica built once (bound `now`, no ORM
  session synchronisation), the same transaction: what building it per call costs (current tree only).
- `verified`: `bootstrap.write_verified` of a new play (fixedge25 added a `NOT EXISTS` on the listener's plays of
  that track within the play's window to its INSERT ... SELECT); every write must be written.
- `lb`: a ListenBrainz `single` submission over the ASGI app in process (Starlette's TestClient, one listener's
  token): fixleft25 added one indexed read of the listener's recent forget jobs and one shared-state read per
  submission; every listen must be stored.
- `scrobble`: a Subsonic `scrobble` submission of a new listen (no now-playing before it), over the ASGI app in
  process: fixtrust26 added `portability.forgotten_listen` (one indexed read of recent FORGET_PLAY jobs per
  request, at the first listen with no row of its own); every listen must be stored.
- `forget-read`: `portability.recently_forgotten` alone, for a listener who forgot nothing (the read every
  ListenBrainz submission makes), in one open transaction: fixlisten28 made it one statement compiled once.
- `ingest-lock`: `ingest._pipeline._commit_lock` entered and left (open, flock, close: fixpath26's one per
  committed track) beside the CPU of one track's whole commit (`_commit_one`, cProfile of a `run_ingest` of a
  small demo library) in the same process. Current tree only (the code before had no lock).
"""

import argparse
import contextlib
import cProfile
import inspect
import json
import os
import pstats
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select, text

import encore
from encore.bootstrap import Container, build
from encore.config import Settings
from encore.db import create_db_engine, transaction

SECRET = "bench-writes-" + "k" * 40


def tree_cpu(pid: int) -> float:
    """CPU seconds of a process, its reaped children and its live ones (a PostgreSQL server and its backends)."""
    proc = Path(f"/proc/{pid}")
    try:
        fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
        children = (proc / "task" / str(pid) / "children").read_text().split()
    except OSError:
        return 0.0
    own = sum(int(x) for x in fields[11:15]) / os.sysconf("SC_CLK_TCK")
    return own + sum(tree_cpu(int(child)) for child in children)


@contextlib.contextmanager
def database(work: Path, server_url: str | None) -> Iterator[str]:
    """A fresh SQLite file, or a new database on a running PostgreSQL server (dropped afterwards)."""
    if server_url is None:
        yield f"sqlite:///{work / 'writes.db'}"
        return
    name = f"writes_{os.getpid()}"
    admin = create_db_engine(server_url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    try:
        yield server_url.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE {name} WITH (FORCE)")
        admin.dispose()


def container(url: str, data: Path) -> Container:
    c = build(Settings(mode="dev", data_dir=data, database_url=url, secret_key=SECRET))  # type: ignore[arg-type]
    c.migrate()
    return c


def timed(ops: int, op: Callable[[int], None], postmaster: int | None) -> dict[str, float]:
    for i in range(min(50, ops)):  # warm: the first statements compile and fill caches
        op(ops + i)
    pg0, cpu0, wall0 = tree_cpu(postmaster) if postmaster else 0.0, time.process_time(), time.perf_counter()
    for i in range(ops):
        op(i)
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    pg = (tree_cpu(postmaster) - pg0) if postmaster else 0.0
    return {"client_us": cpu / ops * 1e6, "pg_us": pg / ops * 1e6, "wall_us": wall / ops * 1e6}


def catalogue(c: Container, tracks: int) -> list[str]:
    from tests.catalog import factories

    with transaction(c.sessions) as s:
        return factories.songs(s, tracks)


def path_version(c: Container, ops: int, postmaster: int | None) -> dict[str, float]:
    from encore.catalog import catalogue_changed

    def op(_i: int) -> None:
        with transaction(c.sessions) as s:
            catalogue_changed(s)

    out = timed(ops, op, postmaster)
    with transaction(c.sessions) as s:
        out["version_moved"] = float(s.scalar(text("SELECT version FROM catalogue_version WHERE id = 1")) or 0)
    return out


def path_version_prebuilt(c: Container, ops: int, postmaster: int | None) -> dict[str, float]:
    """A bench-only replica of the current tree's `catalogue_changed` statement (the same SQL), built once with a
    bound `now` and no ORM synchronisation of the session (which holds no CatalogueVersion): what the statement
    would cost built that way, beside `version` in the same run."""
    from sqlalchemy import bindparam, case, update

    from encore.catalog import CatalogueVersion

    now, was = bindparam("now_ms"), CatalogueVersion.changed_ms
    statement = (
        update(CatalogueVersion)
        .where(CatalogueVersion.id == 1)
        .values(version=CatalogueVersion.version + 1, changed_ms=case((was >= now, was + 1), else_=now))
        .execution_options(synchronize_session=False)
    )

    def op(_i: int) -> None:
        with transaction(c.sessions) as s:
            s.execute(statement, {"now_ms": time.time_ns() // 1_000_000})

    out = timed(ops, op, postmaster)
    with transaction(c.sessions) as s:
        out["version_moved"] = float(s.scalar(text("SELECT version FROM catalogue_version WHERE id = 1")) or 0)
    return out


def path_verified(c: Container, ops: int, postmaster: int | None) -> dict[str, float]:
    from encore import bootstrap, playback
    from encore.accounts import create_user

    tracks = catalogue(c, 50)
    with transaction(c.sessions) as s:
        user = create_user(s, username="bench", password="bench-pass-123").public_id  # noqa: S106
    base = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=2 * ops + 200)
    clock = {"clock": c.clock} if "clock" in inspect.signature(bootstrap.write_verified).parameters else {}
    refused = []

    def op(i: int) -> None:  # a play a minute, 50 tracks in turn: each track's plays 50 minutes apart
        v = playback.Verified(
            user=user,
            track=tracks[i % len(tracks)],
            play_key=f"{i:064x}",
            first_byte_at=base + timedelta(minutes=i),
            audio_ms=60_000,
        )
        if not bootstrap.write_verified(c.sessions, v, **clock):
            refused.append(i)

    out = timed(ops, op, postmaster)
    if refused:
        raise SystemExit(f"{len(refused)} verified writes refused: {refused[:5]}")
    return out


def path_lb(c: Container, ops: int, postmaster: int | None) -> dict[str, float]:
    from fastapi.testclient import TestClient

    from encore import history
    from encore.accounts import create_user, regenerate_listen_token
    from encore.web import create_app

    with transaction(c.sessions) as s:
        user_id = create_user(s, username="bench", password="bench-pass-123").id  # noqa: S106
        token = regenerate_listen_token(s, user_id=user_id, now=c.clock.now())
    start = int(time.time()) - 30 * 86_400
    with TestClient(create_app(c), base_url="http://testserver") as http:
        headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}

        def op(i: int) -> None:
            listen = {"listened_at": start + 300 * i, "track_metadata": {"artist_name": "A", "track_name": f"T{i}"}}
            body = json.dumps({"listen_type": "single", "payload": [listen]})
            r = http.post("/1/submit-listens", content=body, headers=headers)
            if r.status_code != 200:
                raise SystemExit(f"{r.status_code} {r.text}")

        out = timed(ops, op, postmaster)
    with transaction(c.sessions) as s:
        stored = s.scalar(select(func.count()).select_from(history.Play).where(history.Play.user_id == user_id))
    if stored != ops + min(50, ops):
        raise SystemExit(f"{stored} listens stored of {ops + min(50, ops)}")
    return out


def path_scrobble(c: Container, ops: int, postmaster: int | None) -> dict[str, float]:
    from fastapi.testclient import TestClient

    from encore import history
    from encore.accounts import create_user
    from encore.devices import create_device
    from encore.web import create_app

    tracks = catalogue(c, 50)
    secret = c.settings.secret_key.get_secret_value().encode()
    with transaction(c.sessions) as s:
        user = create_user(s, username="bench", password="bench-pass-123")  # noqa: S106
        user_id = user.id
        password = create_device(s, user_id=user.id, name="phone", secret=secret, now=c.clock.now()).app_password
    start_ms = (int(time.time()) - 30 * 86_400) * 1000
    auth = {"u": "bench", "p": password, "v": "1.16.1", "c": "bench", "f": "json"}
    with TestClient(create_app(c), base_url="http://testserver") as http:

        def op(i: int) -> None:
            params = {
                **auth,
                "id": f"tr-{tracks[i % len(tracks)]}",
                "submission": "true",
                "time": start_ms + i * 300_000,
            }
            r = http.get("/rest/scrobble", params=params)
            if r.status_code != 200 or '"ok"' not in r.text:
                raise SystemExit(f"{r.status_code} {r.text}")

        out = timed(ops, op, postmaster)
    with transaction(c.sessions) as s:
        stored = s.scalar(select(func.count()).select_from(history.Play).where(history.Play.user_id == user_id))
    if stored != ops + min(50, ops):
        raise SystemExit(f"{stored} listens stored of {ops + min(50, ops)}")
    return out


def path_forget_read(c: Container, ops: int, postmaster: int | None) -> dict[str, float]:
    from encore import portability
    from encore.accounts import create_user

    with transaction(c.sessions) as s:
        user_id = create_user(s, username="bench", password="bench-pass-123").id  # noqa: S106
    with c.sessions() as s:
        s.connection()  # the transaction is open before the first timed read, as in the writer's batch

        def op(_i: int) -> None:
            forgot = portability.recently_forgotten(s, user_id=user_id, now=datetime.now(UTC), state=c.state)
            if not forgot.nothing:
                raise SystemExit("the bench listener forgot nothing")

        return timed(ops, op, postmaster)


def path_ingest_lock(c: Container, ops: int, _postmaster: int | None) -> dict[str, float]:
    from encore.demo import DemoSpec, plan_catalogue, write_demo_library
    from encore.ingest import _pipeline, run_ingest

    c.store.ensure()

    def op(_i: int) -> None:
        with _pipeline._commit_lock(c.store):  # the lock the change added, alone
            pass

    out = timed(ops, op, None)
    tracks = 12
    plan = plan_catalogue(DemoSpec(artists=2, albums=2, tracks=tracks, min_track_s=3, max_track_s=3, seed=5))
    lib = c.settings.data_dir.parent / "lib"
    write_demo_library(plan, lib, workers=1)
    profile = cProfile.Profile(time.process_time)
    profile.enable()
    summary = run_ingest(
        paths=[lib], session_factory=c.sessions, store=c.store, label_override=None, workers=1, progress=None
    )
    profile.disable()
    if summary.imported != tracks:
        raise SystemExit(f"imported {summary.imported} of {tracks}")
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    for (filename, _line, name), (_cc, calls, _tt, cum, _callers) in stats.items():
        if filename.endswith("_pipeline.py") and name in {"_commit_one", "_commit_lock"}:
            out[f"{name}_calls"] = float(calls)
            out[f"{name}_cum_us"] = cum / calls * 1e6
    return out


PATHS = {
    "version": path_version,
    "version-prebuilt": path_version_prebuilt,
    "verified": path_verified,
    "lb": path_lb,
    "scrobble": path_scrobble,
    "forget-read": path_forget_read,
    "ingest-lock": path_ingest_lock,
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("path", choices=PATHS)
    ap.add_argument("--url", help="a PostgreSQL server (any database on it): a new database is made there")
    ap.add_argument("--postmaster", type=int, help="that server's postmaster pid, for its CPU")
    ap.add_argument("--ops", type=int, default=1000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-writes-") as tmp, database(Path(tmp), args.url) as url:
        c = container(url, Path(tmp) / "var")
        try:
            out = PATHS[args.path](c, args.ops, args.postmaster if args.url else None)
        finally:
            c.close()
    tree = Path(encore.__file__).resolve().parents[2]
    db = "postgresql" if args.url else "sqlite"
    print(json.dumps({"path": args.path, "db": db, "tree": str(tree), "ops": args.ops, **out}))


if __name__ == "__main__":
    main()
