"""`encore wrapped build --year 2024 | --decade 2020s [--user NAME]`: build and store Wrapped snapshots."""

import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime
from typing import Annotated

import typer
from rich.console import Console

from encore.bootstrap import Container, build
from encore.cli._shown import shown
from encore.insights import build_all, check_decade, parse_period
from encore.kernel import EncoreError, end_with_parent

wrapped_app = typer.Typer(help="Encore Wrapped snapshots.", no_args_is_help=True)


def _build_shard(period: str, now: datetime, index: int, of: int) -> int:
    """One worker process: its own container (settings from the same environment), every `of`-th listener."""
    c = build()
    try:
        return build_all(c.sessions, period=period, now=now, shard=(index, of))
    finally:
        c.close()


def worker_pool(workers: int) -> ProcessPoolExecutor:
    """Spawned processes (no state forked from the parent's engine) that end with the parent, however it ends (a
    SIGTERM to it alone, a kill), instead of building on, orphaned, to the end of their share: a listener cut
    mid-way is rolled back (each is written in its own transaction) and built by the next run."""
    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"), initializer=end_with_parent)


def run_wrapped_build(c: Container, *, period: str, username: str | None, workers: int, console: Console) -> int:
    started, now = time.perf_counter(), c.clock.now()
    if workers > 1 and username is None:
        parse_period(period, now=now)  # a bad period fails here, once, not in every worker
        with worker_pool(workers) as pool:
            built = sum(
                pool.map(_build_shard, [period] * workers, [now] * workers, range(workers), [workers] * workers)
            )
    else:
        built = build_all(c.sessions, period=period, now=now, username=username)
    console.print(f"Built Wrapped {period} for {built} listener(s) in {time.perf_counter() - started:.1f} s")
    return built


@wrapped_app.command("build")
def build_command(
    year: Annotated[int | None, typer.Option(help="A year, e.g. 2024")] = None,
    decade: Annotated[str | None, typer.Option(help="A decade, e.g. 2020s")] = None,
    user: Annotated[str | None, typer.Option(help="Only this listener (default: everyone with plays)")] = None,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Processes sharing the listeners (one per core)")] = 1,
) -> None:
    """Build (or rebuild) the stored Wrapped of a year or a decade."""
    from encore.cli._console import console, err
    from encore.cli._main import _container

    if (year is None) == (decade is None):
        err.print("[red]Give exactly one of --year or --decade[/red]")
        raise typer.Exit(2)
    c = _container()
    try:
        if decade is not None:
            check_decade(decade)
        period = str(year) if year is not None else str(decade)
        run_wrapped_build(c, period=period, username=user, workers=workers, console=console)
    except EncoreError as exc:
        err.print(f"[red]Cannot build Wrapped:[/red] {shown(exc.message)}")
        raise typer.Exit(1) from exc
    finally:
        c.close()


# Other listeners on the demo server, so "top N% of this artist's listeners" compares against someone.
# Their passwords are random and never shown: they only listen.
DEMO_NEIGHBOURS = ("mara", "theo", "ines", "kofi", "yuki", "sven")


def seed_demo_wrapped(c: Container, *, listeners: list[str], console: Console, years: int | None = None) -> None:
    """Years of generated listening for the demo accounts (`years`: see `DemoSpec.history_years`), then their
    Wrapped for recent years and the decade."""
    import secrets

    from encore.accounts import create_user, get_user_by_name
    from encore.db import transaction
    from encore.demo import Listener, demo_periods, seed_listening

    with transaction(c.sessions) as session:
        for name in DEMO_NEIGHBOURS:
            if get_user_by_name(session, username=name) is None:
                create_user(session, username=name, password=secrets.token_urlsafe(18), display_name=name.title())
        ids = [get_user_by_name(session, username=n) for n in (*listeners, *DEMO_NEIGHBOURS)]
        people = [
            Listener(u.id, seed=1000 + i, daily_scale=1.0 if i == 0 else 0.45 + 0.08 * i)
            for i, u in enumerate(ids)
            if u is not None
        ]
    started, now = time.perf_counter(), c.clock.now()
    seeded, plays = seed_listening(c.sessions, listeners=people, now=now, years=years)
    if not seeded:
        return
    console.print(f"Generated {plays:,} plays of listening history for {seeded} listeners")
    for period in demo_periods(now, years):
        build_all(c.sessions, period=period, now=now)
    console.print(f"Built Wrapped for {', '.join(demo_periods(now, years))} in {time.perf_counter() - started:.1f} s")
