"""`encore user list`, `encore jobs list` and `encore jobs show ID`: what the operator's other commands act on and
set going (probe21b F16: `user delete` printed a job id nothing could look up)."""

import json
from datetime import datetime, timedelta
from typing import Annotated

import typer
from rich.table import Table

from encore import accounts, billing
from encore.cli._console import console, err
from encore.cli._install import open_install
from encore.cli._shown import shown
from encore.kernel import NotFound

jobs_app = typer.Typer(help="Background jobs (imports, exports, erasures, Wrapped builds).", no_args_is_help=True)
PAGE = 500  # accounts whose subscriptions and erasures are read in one statement (well under any bound parameters)


def _when(at: datetime | None) -> str:
    return "" if at is None else f"{at:%Y-%m-%d %H:%M}"


def list_accounts(*, match: str, limit: int) -> None:
    c = open_install()
    try:
        now = c.clock.now()
        table = Table(title="Accounts", title_justify="left")
        for name in ("username", "role", "active", "premium", "created"):
            table.add_column(name, overflow="fold")
        with c.sessions() as session:
            users = accounts.find_users(session, query=match, limit=limit + 1)
            listed = users[:limit]
            views: dict[int, billing.SubscriptionView] = {}
            deleting: set[int] = set()
            for at in range(0, len(listed), PAGE):  # a page at a time: it was two statements an account
                ids = [u.id for u in listed[at : at + PAGE]]
                views |= billing.subscription_views(session, user_ids=ids, now=now)
                deleting |= accounts.erase_requested_among(session, user_ids=ids)
            for u in listed:
                view = views[u.id]
                active = "yes" if u.is_active else "deleting" if u.id in deleting else "no"
                premium = "yes" if view.tier == billing.Tier.PREMIUM else "no"
                if view.tier == billing.Tier.PREMIUM and view.period_end is not None:
                    premium += f" (until {_when(view.period_end)})"
                table.add_row(shown(u.username), shown(u.role), active, premium, _when(u.created_at))
    finally:
        c.close()
    console.print(table)
    if len(users) > limit:
        console.print(f"Only the first {limit}, by username: --limit shows more, --match narrows.")


def age(since: datetime, now: datetime) -> str:
    """How long ago, as an operator reads a list: "40 s", "12 min", "5 h", "3 d" (pure)."""
    seconds = max(0, int((now - since) / timedelta(seconds=1)))
    for unit, size in (("d", 86_400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds // size} {unit}"
    return f"{seconds} s"


@jobs_app.command("list")
def list_jobs(
    kind: Annotated[
        list[str] | None, typer.Option(help="Only jobs of this kind (e.g. accounts.erase); repeat for several")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="How many, newest first")] = 20,
) -> None:
    """The newest jobs, whoever's: id, kind, state and age, to find one whose id was lost (`encore jobs show ID`
    tells the rest)."""  # probe25b L4
    c = open_install()
    try:
        now = c.clock.now()
        with c.sessions() as session:
            jobs = c.jobs.everyones(session, kinds=tuple(kind or ()), limit=limit)
    finally:
        c.close()
    table = Table(title="Jobs, newest first", title_justify="left")
    for name in ("job", "kind", "state", "age"):
        table.add_column(name, overflow="fold")
    for job in jobs:
        table.add_row(job.id, shown(job.kind), shown(job.state), age(job.created_at, now))
    console.print(table)
    if not jobs:
        console.print("No jobs" + (f" of kind {shown(', '.join(kind))}" if kind else "") + ".")


@jobs_app.command("show")
def show(job_id: Annotated[str, typer.Argument(help="The id a command or the API printed")]) -> None:
    """One job's state, progress, attempts and result or error, whoever asked for it."""
    c = open_install()
    try:
        with c.sessions() as session:
            job = c.jobs.inspect(session, public_id=job_id)
    except NotFound as exc:
        err.print(
            f"[red]No job {job_id!r}.[/red] A job goes with its account: an account's finished erasure leaves none"
            " (`encore user list` shows the account gone).",
            soft_wrap=True,
        )
        raise typer.Exit(1) from exc
    finally:
        c.close()
    progress = f"{job.done}" + ("" if job.total is None else f" of {job.total}")
    rows = [
        ("job", job.id),
        ("kind", job.kind),
        ("state", job.state),
        ("progress", progress + ("" if not job.message else f" ({job.message})")),
        ("attempts", str(job.attempts)),
        ("created", _when(job.created_at)),
        ("finished", _when(job.finished_at)),
        ("error", job.error_code or ""),
        ("result", "" if job.result is None else json.dumps(job.result, sort_keys=True)),
    ]
    table = Table(show_header=False)
    for name, value in rows:
        table.add_row(name, shown(value))  # a job's error names the listener's file, as they sent it
    console.print(table)
    raise typer.Exit(1 if job.state == "failed" else 0)
