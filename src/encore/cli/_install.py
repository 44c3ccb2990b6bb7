"""Which install a command acts on. With the default SQLite, the data directory (`var` unless
ENCORE_DATA_DIR says otherwise) is relative to the working directory: a command run from another directory
(cron, sudo, another shell) once made a new, empty install there and reported success, while the server read
the real one (probe21b F6). Only the commands that set an install up may make one."""

from pathlib import Path

import typer

from encore.bootstrap import Container, build
from encore.cli._console import err
from encore.cli._shown import shown
from encore.config import Settings, SettingsError, load_settings


def missing_database(settings: Settings, *, cwd: Path) -> str | None:
    """Why a command must not run here (the default SQLite database does not exist), or None."""
    if settings.database_url:  # a server's database: it exists or the connection says so
        return None
    db = (cwd / settings.data_dir / "encore.db").resolve()
    if db.exists():
        return None
    relative = "" if settings.data_dir.is_absolute() else f", relative to this directory ({cwd})"
    return (
        f"no Encore database at {db} (ENCORE_DATA_DIR is {settings.data_dir}{relative}). Run this where the server"
        " runs, or set ENCORE_DATA_DIR to the install's absolute path; `encore migrate` makes a new install."
    )


def open_install(*, may_create: bool = False) -> Container:
    """The container of an existing install, its schema checked: an empty database is created at head, one at an
    older revision refused in one line (`db.SchemaOlder`: only `encore migrate`, and `serve` outside production,
    upgrade one; review32c M3), a newer one too (`db.SchemaNewer`). `may_create` for `demo`, which sets one up."""
    c = open_unmigrated(may_create=may_create)
    try:
        c.migrate(upgrade_older=False)
    except BaseException:
        c.close()
        raise
    return c


def open_unmigrated(*, may_create: bool = False) -> Container:
    """The container, its schema left as it is: for `migrate` and `serve`, which decide what to do with it."""
    try:
        settings = load_settings()
    except SettingsError as exc:
        err.print(f"[red]Encore cannot start:[/red] {shown(exc.message)}")
        raise typer.Exit(2) from exc
    reason = None if may_create else missing_database(settings, cwd=Path.cwd())
    if reason is not None:
        err.print(f"[red]Refused:[/red] {reason}", soft_wrap=True)  # a path broken across lines cannot be copied
        raise typer.Exit(2)
    return build(settings)
