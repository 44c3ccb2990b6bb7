"""`encore demo`: synthesise the demo library offline, import it, and create the demo accounts."""

from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select

from encore.accounts import Role, create_user, get_user_by_name
from encore.bootstrap import Container
from encore.catalog import Track
from encore.cli._wrapped import seed_demo_wrapped
from encore.db import transaction
from encore.demo import DemoSpec, plan_catalogue, write_demo_library
from encore.ingest import RichProgress, render_summary, run_ingest

DEMO_ACCOUNTS = (
    ("demo", "demo-listener", Role.LISTENER, "Demo Listener"),
    ("admin", "demo-admin-pass", Role.ADMIN, "Demo Admin"),
)


def _ensure_accounts(c: Container) -> None:
    with transaction(c.sessions) as session:
        for username, password, role, display in DEMO_ACCOUNTS:
            if get_user_by_name(session, username=username) is None:
                create_user(session, username=username, password=password, role=role, display_name=display)


def _print_logins(console: Console) -> None:
    table = Table(title="Demo logins")
    table.add_column("username")
    table.add_column("password")
    table.add_column("role")
    for username, password, role, _ in DEMO_ACCOUNTS:
        table.add_row(username, password, role.value)
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
    _ensure_accounts(c)
    seed_demo_wrapped(c, listeners=[name for name, *_ in DEMO_ACCOUNTS], console=console)
    _print_logins(console)
