"""`encore demo`: synthesise the demo library offline, import it, and create the demo accounts."""

from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select

from encore import discovery
from encore.accounts import Role
from encore.bootstrap import Container
from encore.catalog import Track
from encore.cli._wrapped import seed_demo_wrapped
from encore.db import transaction
from encore.demo import (
    AD_ISRC,
    DEMO_LOGINS,
    DemoSpec,
    ensure_demo_world,
    plan_catalogue,
    write_ad_spot,
    write_demo_library,
)
from encore.ingest import RichProgress, render_summary, run_ingest


def _ensure_ad_spot(c: Container, console: Console) -> None:
    """The demo ad campaign's audio, ingested through the normal pipeline (once)."""
    with c.sessions() as session:
        if session.scalar(select(Track.id).where(Track.isrc == AD_ISRC)) is not None:
            return
    folder = c.settings.data_dir / "demo-ads"
    write_ad_spot(folder)
    summary = run_ingest(
        paths=[folder], session_factory=c.sessions, store=c.store, label_override=None, workers=1, progress=None
    )
    render_summary(summary, console)


def _ensure_accounts(c: Container) -> None:
    with transaction(c.sessions) as session:
        ensure_demo_world(session, now=c.clock.now(), premium_plan=c.settings.premium_plan)


def _print_logins(c: Container, console: Console) -> None:
    table = Table(title=f"Demo logins (free listeners hear an ad every {c.settings.ad_interval} s of music)")
    table.add_column("username")
    table.add_column("password")
    table.add_column("role")
    table.add_column("what to try")
    for login in DEMO_LOGINS:
        table.add_row(login.username, login.password, login.role.value, login.what)
    console.print(table)


def run_demo_command(c: Container, *, tracks: int, force: bool, console: Console) -> None:
    with c.sessions() as session:
        existing = session.scalar(select(func.count()).select_from(Track)) or 0
    if existing and not force:
        console.print(f"Library already has {existing} tracks; not building the demo again.")
    else:
        spec = DemoSpec(tracks=tracks)
        catalogue = plan_catalogue(spec)
        # The generated files stay as an ordinary source tree, so `encore ingest` can re-scan it.
        library = c.settings.data_dir / "demo-library"
        console.print(f"Synthesising {tracks} demo tracks into {library} ...")
        write_demo_library(catalogue, library, workers=c.settings.ingest_workers)
        summary = run_ingest(
            paths=[library],
            session_factory=c.sessions,
            store=c.store,
            label_override=None,
            workers=c.settings.ingest_workers,
            progress=RichProgress(console),
        )
        render_summary(summary, console)
    _ensure_ad_spot(c, console)
    _ensure_accounts(c)
    listeners = [login.username for login in DEMO_LOGINS if login.role is Role.LISTENER]
    seed_demo_wrapped(c, listeners=listeners, console=console)
    with transaction(c.sessions) as session:  # radio and recommendations from the demo's listening at once
        trained = discovery.train(session, now=c.clock.now())
    console.print(
        f"Recommender trained: {trained.track_pairs} listening pairs, {trained.catalogue_pairs} from the catalogue"
    )
    _print_logins(c, console)
