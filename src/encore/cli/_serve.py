"""`encore serve`: the command, how many worker processes, and running them.

Several workers need the shared state in Redis: in memory, each process would keep its own ad clocks,
open plays, rate windows and transcode slots, and a listener's requests landing on different workers
would each see a different clock. So the plan refuses more than one worker without `ENCORE_REDIS_URL`.
"""

import ipaddress
import os
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from encore.bootstrap import Container
from encore.cli._console import console, err
from encore.config import Settings, unnamed_public_address
from encore.db import Upgrade

if TYPE_CHECKING:
    from encore.cli._demo_child import DemoBuilder


def open_data_warning(found: Sequence[tuple[Path, int]]) -> str | None:
    """Pure: the one line `encore serve` says at start when private parts of the data directory are open to other
    users of the machine (`storage.open_to_others`: made before Encore set modes), with the chmod that closes
    them; None when none is. Said, not done: a path that exists is the operator's, maybe shared on purpose with a
    group (a backup user), and this process may not own it; Encore sets modes only on what it makes."""
    if not found:
        return None
    steps = [
        f"chmod {mode:04o} " + " ".join(dict.fromkeys(_chmod_target(path) for path, _ in group))
        for mode, group in groupby(sorted(found, key=lambda part: part[1], reverse=True), key=lambda part: part[1])
    ]
    return (
        f"other users of this machine can read Encore's private data ({', '.join(str(p) for p, _ in found)}: password"
        f" hashes, sessions, everyone's listening), made before Encore set its modes. Close it: {' && '.join(steps)}"
    )


def upgrade_said(done: Upgrade) -> str | None:
    """Pure: the line `encore serve` says when it upgraded an older database at start, which only a demo or dev
    install lets it do (`make run` after a pull); in production an older database is refused, so that the
    documented "stop, back up, then `encore migrate`" is never skipped by a restart after an upgrade (review32c
    M3). None when nothing older was upgraded (a new database is made at head without a word)."""
    if done.before is None or done.steps == 0:
        return None
    return f"Upgraded the database from {done.before} to {done.after} ({done.steps} migration(s)) at start"


def _chmod_target(path: Path) -> str:
    """A SQLite database as `encore.db*`, which names its -wal and -shm too: SQLite makes them with the database's
    mode when it opens it, after this warning, so a chmod of the database alone left them as open (review32c L6)."""
    base = path.name.removesuffix("-wal").removesuffix("-shm")
    if base in ("encore.db", "jobs.sqlite3"):
        return shlex.quote(str(path.with_name(base))) + "*"
    return shlex.quote(str(path))


@dataclass(frozen=True)
class WorkerPlan:
    count: int
    reason: str  # one_process | requested | one_per_core | needs_redis


def plan_workers(*, requested: int | None, shared_state: bool, cores: int) -> WorkerPlan:
    """Pure: the worker count `encore serve` runs, and why (count 0 means refuse, `needs_redis`)."""
    if requested is not None:
        if requested > 1 and not shared_state:
            return WorkerPlan(0, "needs_redis")
        return WorkerPlan(requested, "requested")
    if not shared_state:
        return WorkerPlan(1, "one_process")
    return WorkerPlan(max(1, cores), "one_per_core")


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def proxy_options(trusted_proxies: Sequence[str]) -> dict[str, object]:
    """Pure: uvicorn's proxy settings from ENCORE_TRUSTED_PROXIES, the one list of proxies Encore believes.

    uvicorn by default believes X-Forwarded-For and X-Forwarded-Proto from 127.0.0.1 (or FORWARDED_ALLOW_IPS)
    and rewrites the client address before Encore sees it: with no proxy configured, anything on the host
    (or a proxy the operator did not list) could name any client, and the sign-up and log-in throttles and the
    audit log would believe it. Only the listed proxies' headers are read, by uvicorn (the scheme, for secure
    cookies, the Origin check and OAuth's https rule) and by `web._client_ip` (the client) alike."""
    networks = [str(ipaddress.ip_network(entry, strict=False)) for entry in trusted_proxies]
    return {"proxy_headers": bool(networks), "forwarded_allow_ips": networks}


def run_server(
    *,
    host: str,
    port: int,
    workers: int,
    app: object,
    trusted_proxies: Sequence[str] = (),
    healthcheck_s: int = 30,
) -> None:
    """One worker serves the already-built app in this process; several run `encore.web:serve_app` in
    uvicorn's supervised worker processes (a worker that dies, or misses its health ping for `healthcheck_s`
    seconds, ENCORE_WORKER_HEALTHCHECK_S, is replaced; see docs/deploy.md)."""
    import uvicorn

    from encore.web import log_config

    proxies = proxy_options(trusted_proxies)
    logs = {"log_config": log_config(), "log_level": "info", "access_log": False}  # time, level, request
    if workers == 1:
        uvicorn.run(app, host=host, port=port, **logs, **proxies)  # type: ignore[arg-type]
        return
    uvicorn.run(
        "encore.web:serve_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        **logs,  # type: ignore[arg-type]
        **proxies,  # type: ignore[arg-type]
        timeout_worker_healthcheck=healthcheck_s,  # the operator's (`Settings.worker_healthcheck_s`)
    )


def _say_public_address(settings: Settings, host: str) -> None:
    """Before serving: a production that has not named its public address is told so, or stopped (`config`)."""
    unnamed = unnamed_public_address(
        configured=settings.configured_public_base_url,
        host=host,
        mode=settings.mode,
        stripe=settings.stripe_secret_key is not None,
    )
    if unnamed is None:
        return
    if unnamed.refuse:
        err.print(f"[red]Encore cannot start:[/red] {unnamed.message}")
        raise typer.Exit(2)
    err.print(f"[yellow]Warning:[/yellow] {unnamed.message}")


def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on")] = None,
    port: Annotated[int | None, typer.Option(min=1, max=65535, help="Port to listen on")] = None,
    workers: Annotated[
        int | None,
        typer.Option(min=1, max=64, help="Worker processes (default: 1; one per core with ENCORE_REDIS_URL)"),
    ] = None,
    build_demo: Annotated[
        bool,
        typer.Option(
            help="The demo: import its first album if the library is empty (as `encore demo --first-only`), "
            "then serve while a background process builds the rest"
        ),
    ] = False,
) -> None:
    """Serve the player, the APIs and the audio."""
    from rich.markup import escape

    from encore.cli._install import open_unmigrated
    from encore.cli._serve_memtrace import start_from_env
    from encore.jobs import InProcessWorkers
    from encore.kernel import AllocatorKeeper, settle_heap
    from encore.storage import open_to_others

    start_from_env()  # bench only (issue #16): nothing unless ENCORE_MEMTRACE_DIR is set
    allocator = AllocatorKeeper()  # before the server's and the jobs' threads: they get its arena limit
    allocator.start()
    c = open_unmigrated(may_create=True)
    try:
        for warning in (open_data_warning(open_to_others(c.settings.data_dir)), c.state.persistence_warning()):
            if warning:
                err.print("[yellow]Warning:[/yellow]", escape(warning), soft_wrap=True)
        _say_public_address(c.settings, host or c.settings.host)  # before anything starts: it may refuse
        if said := upgrade_said(c.migrate(upgrade_older=c.settings.mode != "production")):
            console.print(said, soft_wrap=True, highlight=False)
        plan = plan_workers(
            requested=workers or c.settings.workers, shared_state=c.settings.redis_url is not None, cores=cores()
        )
        if plan.count == 0:
            err.print(
                "[red]Encore cannot start:[/red] several workers need ENCORE_REDIS_URL (shared ad clocks, rate "
                "limits and transcode slots); without it, serve with one worker"
            )
            raise typer.Exit(2)
        app = None  # several workers: each builds its own (`encore.web:serve_app`); this process supervises
        if plan.count == 1:
            from encore.web import create_app

            app = create_app(c)
        # built, and before any job or demo-build thread runs: only start-up's objects are frozen (kernel._gc)
        settle_heap(gen0=c.settings.gc_young_threshold)
        builder = _start_demo_builder(c) if build_demo else None
        host, port = host or c.settings.host, port or c.settings.port
        state = "Redis" if c.settings.redis_url else "in process"
        console.print(
            f"[bold]Encore[/bold] on http://{host}:{port}  (mode: {c.settings.mode}, workers: {plan.count}, "
            f"state: {state})"
        )
        # Background jobs run on threads of this process unless separate `encore worker`s take the queue; with
        # several web workers this (supervising) process keeps its container for them. This node's own minutely
        # tasks (its spool of verified streams) run here either way, once per node (review24m F2).
        jobs = InProcessWorkers(c.jobs, workers=c.settings.jobs_in_process)
        jobs.start()
        try:
            run_server(
                host=host,
                port=port,
                workers=plan.count,
                app=app,
                trusted_proxies=c.settings.trusted_proxies,
                healthcheck_s=c.settings.worker_healthcheck_s,
            )
        finally:
            if builder is not None:
                builder.stop()
            jobs.stop()
    finally:
        c.close()  # also when it refuses to start (exit 2): an in-process caller keeps running
        allocator.stop()


def _start_demo_builder(c: Container) -> "DemoBuilder | None":
    """In this process, so `make run` pays for one interpreter start-up, not two; the first-only step
    returns at once when the build was begun (or finished) before."""
    from encore.cli._demo import DemoOptions, first_album_for_serve
    from encore.cli._demo_child import start_demo_builder
    from encore.demo import DemoSpec

    options = DemoOptions(DemoSpec(), first_only=True, force=False, workers=c.settings.ingest_workers)
    lock = first_album_for_serve(c, options=options, console=console)
    if lock is None:  # another builder has the library: serve now, it goes on building
        return None
    with lock:  # the child inherits the held lock; this copy closes once it is started (or not needed)
        builder = start_demo_builder(c.settings.data_dir, lock)
    if builder is not None:
        console.print(f"Building the rest of the demo catalogue in the background (log: {builder.log})")
    return builder
