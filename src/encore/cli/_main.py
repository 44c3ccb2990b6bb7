"""`encore serve | worker | migrate | ingest | demo | user create | list | disable | enable | delete | set-password |
jobs list | show | nginx-config | edge ingest-log | search rebuild | catalog find | withdraw | restore`."""

from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup
from typer.exceptions import TyperException

from encore.bootstrap import Container
from encore.cli._console import console, err
from encore.cli._serve import serve
from encore.cli._shown import shown
from encore.cli._stopped import why_stopped
from encore.config import Settings, SettingsError, load_settings
from encore.db import SchemaNewer, SchemaOlder
from encore.kernel import EncoreError


class _Commands(TyperGroup):
    """Every command, with one answer to a database a newer release migrated (each command that migrates first
    would otherwise end in Alembic's traceback: probe24a F1) or an older one it may not upgrade (review32c M3)."""

    def invoke(self, ctx: Any) -> Any:  # typer's own (vendored) click.Context
        try:
            return super().invoke(ctx)
        except (SchemaNewer, SchemaOlder) as exc:
            err.print(f"[red]Refused:[/red] {shown(exc.message)}", soft_wrap=True)
            raise typer.Exit(1) from None
        except (typer.Exit, typer.Abort, TyperException):  # a command's own answer, usage errors
            raise  # (its cause may be a full disk it has already explained)
        except Exception as exc:  # the database or the disk failing under any command: one line (probe25b M1)
            stopped = why_stopped(exc, _settings_or_none())
            if stopped is None:
                raise
            err.print(f"[red]Stopped:[/red] {shown(stopped.message)}", soft_wrap=True)
            raise typer.Exit(stopped.code) from None


def _settings_or_none() -> Settings | None:
    """The settings, to name the database and the data directory in a message; None if they cannot be read."""
    try:
        return load_settings()
    except SettingsError:
        return None


app = typer.Typer(
    help="Encore: a self-hostable music streaming service.", no_args_is_help=True, add_completion=False, cls=_Commands
)
user_app = typer.Typer(help="Manage accounts.", no_args_is_help=True)
app.add_typer(user_app, name="user")


def _container(*, may_create: bool = False) -> Container:
    """The install's container, its schema at head (an older one refused); only `may_create` commands (migrate,
    serve, demo) may start a new one."""
    from encore.cli._install import open_install

    return open_install(may_create=may_create)


@app.command()
def migrate() -> None:
    """Create or upgrade the database schema (stop Encore and back the database up first: docs/deploy.md §6)."""
    from encore.cli._install import open_unmigrated

    c = open_unmigrated(may_create=True)
    try:
        done = c.migrate()
        where = c.engine.url.render_as_string(hide_password=True)
    finally:
        c.close()  # its pool's connections too: an in-process caller (a test on PostgreSQL) saw them left open
    steps = f"{done.steps} migration{'' if done.steps == 1 else 's'}"
    if done.before is None:
        said = f"Created the schema at {done.after} ({steps})"
    elif done.steps == 0:
        said = f"Already at {done.after}: nothing to do"
    else:
        said = f"Upgraded from {done.before} to {done.after} ({steps})"
    console.print(f"[green]{said}[/green] ({where})", soft_wrap=True)


app.command()(serve)  # `encore serve` lives beside the server's start (`_serve`)


@app.command()
def worker(
    threads: Annotated[int, typer.Option(min=1, max=64, help="Jobs run at once by this process")] = 2,
) -> None:
    """Run background jobs (imports, exports, Wrapped builds) from the queue, on any node."""
    import logging

    from encore.jobs import consumer
    from encore.kernel import AllocatorKeeper

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # Jobs are the large work (imports, exports, Wrapped cards) whose freed memory glibc keeps in every thread's
    # arena: the same housekeeping as `serve`, started before the consumer's threads
    allocator = AllocatorKeeper()
    allocator.start()
    c = _container()
    try:
        if warning := c.state.persistence_warning():  # review32c L1, as `serve` says it
            err.print("[yellow]Warning:[/yellow]", shown(warning), soft_wrap=True)
        where = "Redis" if c.settings.redis_url else f"{c.settings.data_dir / 'jobs.sqlite3'}"
        console.print(
            f"[bold]Encore worker[/bold]: {threads} thread(s), queue in {where}, kinds: {', '.join(c.jobs.kinds)}"
        )
        consumer(c.jobs, workers=threads).run()
    finally:
        c.close()
        allocator.stop()


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders to import", exists=True)],
    label: Annotated[str | None, typer.Option(help="Label to file these releases under")] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1, max=64, help="Files analysed at once, one process each (default: ENCORE_INGEST_WORKERS: the cores)"
        ),
    ] = None,
    ad: Annotated[
        bool, typer.Option("--ad", help="The files are advertisers' spots: saved as ad audio, never listed as music")
    ] = False,
) -> None:
    """Import audio files (incremental: unchanged files are skipped)."""
    from encore.cli._ingest import run_ingest_command

    if ad and label is not None:
        err.print("An ad spot is no label's release: give --ad or --label, not both.")
        raise typer.Exit(2)
    c = _container()
    try:
        failed = run_ingest_command(c, paths=paths, label=label, workers=workers, console=console, ad=ad)
    finally:
        c.close()  # its pool's connections too (an in-process caller, a test on PostgreSQL, saw them left open)
    raise typer.Exit(1 if failed else 0)


@app.command()
def demo(  # keyword-only: typer reads the options by name
    *,
    tracks: Annotated[int, typer.Option(min=10, max=2000)] = 150,
    albums: Annotated[int, typer.Option(min=2, max=200, help="Albums the tracks are spread over")] = 20,
    track_seconds: Annotated[
        tuple[float, float], typer.Option(min=1.0, max=600.0, help="Shortest and longest track, in seconds")
    ] = (30.0, 90.0),
    first_only: Annotated[
        bool, typer.Option(help="Only the first album, the ad spot and the accounts; `serve --build-demo` ends it")
    ] = False,
    workers: Annotated[
        int | None, typer.Option(min=1, max=64, help="Processes (default: ENCORE_INGEST_WORKERS)")
    ] = None,
    force: Annotated[bool, typer.Option(help="Build even if the library is not empty")] = False,
    history_years: Annotated[
        int | None,
        typer.Option(min=1, max=50, help="Years of made-up listening (default: recent years and the decade)"),
    ] = None,
    handed_lock_fd: Annotated[int | None, typer.Option(hidden=True, help="The build lock `serve` hands down")] = None,
) -> None:
    """Build the demo catalogue (synthesised offline) and the demo accounts."""
    from encore.cli._demo import DemoOptions, run_demo_command
    from encore.demo import DemoSpec

    shortest, longest = sorted(track_seconds)
    if albums > tracks:
        err.print("[red]--albums cannot be more than --tracks[/red]")
        raise typer.Exit(2)
    c = _container(may_create=True)
    try:
        spec = DemoSpec(
            albums=albums, tracks=tracks, min_track_s=shortest, max_track_s=longest, history_years=history_years
        )
        options = DemoOptions(spec, first_only=first_only, force=force, workers=workers or c.settings.ingest_workers)
        run_demo_command(c, options=options, console=console, handed_fd=handed_lock_fd)
    finally:
        c.close()


# A password is asked for, hidden and twice: the default. `--password` is there for scripts and tests, and puts it
# in the shell's history and `ps` (probe25b L3: the help showed it as required).
_ASKED: dict[str, Any] = {
    "show_default": False,
    "help": "Asked for (hidden, twice) when not given: prefer that; on the command line it shows in the shell's "
    "history and in `ps`",
}


def _allowed_username(name: str) -> str:
    """The name is checked before the password is asked for (probe24a F5: typed twice, then the name refused)."""
    from encore.accounts import check_username

    if not (decision := check_username(name)).allowed:
        raise typer.BadParameter(decision.reason)
    return name


@user_app.command("create")
def user_create(
    name: Annotated[str, typer.Argument(callback=_allowed_username)],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True, **_ASKED)] = "",
    admin: Annotated[bool, typer.Option(help="Give the account the admin role")] = False,
    label: Annotated[
        str | None, typer.Option(help="Make it an account of this label (made if new): its releases and statements")
    ] = None,
) -> None:
    """Create an account (a listener's, an administrator's, or a label's)."""
    from encore import audit
    from encore.accounts import Role, create_user
    from encore.catalog import upsert_label
    from encore.db import transaction

    if admin and label:
        err.print("[red]Choose --admin or --label[/red]: an account is one or the other.")
        raise typer.Exit(2)
    c = _container()
    role_asked = Role.ADMIN if admin else Role.LABEL if label else Role.LISTENER
    try:
        with transaction(c.sessions) as session:
            user = create_user(session, username=name, password=password, role=role_asked)
            if label:  # the catalogue's rule of label names, and no new label that reads as another (review31a L3)
                user.label_id = upsert_label(session, name=label.strip(), kind=None, refuse_look_alike=True).id
            role = user.role
            details = {"by": "operator", "role": role, **({"label": label.strip()} if label else {})}
            kind = audit.kinds.ACCOUNT_CREATED  # no actor: the shell's operator, not an account
            audit.record(session, kind=kind, now=c.clock.now(), actor_id=None, subject_id=user.id, details=details)
    except EncoreError as exc:
        err.print(f"[red]Could not create {shown(repr(name))}:[/red] {shown(exc.message)}")
        raise typer.Exit(1) from exc
    finally:
        c.close()
    console.print(f"Created [bold]{name}[/bold] ({role})")


def _searchable(text: str) -> str:
    """A shell can pass bytes that are no UTF-8 (Python reads them as lone surrogates), which no database takes: the
    search was a traceback (review31a's NUL, at the shell: a NUL itself cannot reach a program's arguments)."""
    if any(0xD800 <= ord(ch) <= 0xDFFF for ch in text):
        raise typer.BadParameter("it holds bytes that are not UTF-8 text; no name holds them.")
    return text


@user_app.command("list")
def user_list(
    match: Annotated[str, typer.Option(help="Only usernames or display names holding this", callback=_searchable)] = "",
    limit: Annotated[int, typer.Option(min=1, max=100_000)] = 1000,
) -> None:
    """Every account, by username: its role, whether it is active (or being deleted), Premium, and when made."""
    from encore.cli._lists import list_accounts

    list_accounts(match=match, limit=limit)


@user_app.command("disable")
def user_disable(name: str) -> None:
    """Cut an account off: signed out everywhere, and no sign-in, device, app, token or share link of it works
    until it is enabled (a label's account loses the label with it). Not the last administrator."""
    from encore.cli._security import set_account_state

    set_account_state(name, active=False)


@user_app.command("enable")
def user_enable(
    name: str,
    force_reset: Annotated[
        bool,
        typer.Option(
            "--force-reset",
            help="Its owner must choose a new password first, with a one-time code printed here for you to hand "
            "over out of band: the safe choice if the password may have leaked (signing in tells a disabled "
            "account's right password apart from a wrong one, so a guesser may have confirmed it).",
        ),
    ] = False,
    keep_password: Annotated[
        bool, typer.Option("--keep-password", help="Its current password works again as it was.")
    ] = False,
) -> None:
    """Let a disabled account in again: say --force-reset or --keep-password (what was signed out stays signed
    out)."""
    from encore.cli._security import enable_account

    enable_account(name, force_reset=force_reset, keep_password=keep_password)


@user_app.command("delete")
def user_delete(
    name: str,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation")] = False,
) -> None:
    """Delete an account and everything Encore keeps of them (plays, library, playlists, Wrapped, apps, exports),
    as its owner's Delete account does; disabled or not. It stops at once; a worker erases its data, then the
    username is free. Not the last administrator, a label's only account, or a card subscription that renews."""
    from encore.cli._security import delete_account

    delete_account(name, yes=yes)


@user_app.command("set-password")
def user_set_password(
    name: str,
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True, **_ASKED)] = "",
) -> None:
    """Give an account a password to hand its owner out of band, for an owner locked out by whoever changed
    theirs (a forced reset needs the current one). Signs the account out everywhere; settles a forced reset."""
    from encore.cli._security import set_account_password

    set_account_password(name, password)


@app.command("nginx-config")
def nginx_config(
    listen: Annotated[str, typer.Option(help="nginx listen address")] = "127.0.0.1:8080",
    upstream: Annotated[
        list[str] | None,
        typer.Option(help="An Encore node (host:port) for everything but edge audio; repeat for several nodes"),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(help="Write the config to this file, readable by its owner only (0600), instead of printing it"),
    ] = None,
) -> None:
    """Print an nginx config for edge mode: nginx checks signed URLs and serves audio itself, and balances
    everything else over the Encore nodes. It holds the edge secret of every key that counts now: write it
    again (--output) and reload nginx after `encore keys rotate`, and once more when the grace period ends."""
    from encore.cli._edge import print_nginx_config

    print_nginx_config(_container(), listen=listen, upstream=upstream or ["127.0.0.1:8000"], output=output)


from encore.cli._wrapped import wrapped_app  # noqa: E402  (registered last: it uses the helpers above)

app.add_typer(wrapped_app, name="wrapped")

from encore.cli._search import search_app  # noqa: E402

app.add_typer(search_app, name="search")

from encore.cli._keys import keys_app  # noqa: E402
from encore.cli._security import security_app  # noqa: E402

app.add_typer(keys_app, name="keys")

from encore.cli._edge import edge_app  # noqa: E402

app.add_typer(edge_app, name="edge")
app.add_typer(security_app, name="security")

from encore.cli._billing import billing_app  # noqa: E402

app.add_typer(billing_app, name="billing")

from encore.cli._lists import jobs_app  # noqa: E402

app.add_typer(jobs_app, name="jobs")

from encore.cli._outbox import outbox_app  # noqa: E402

app.add_typer(outbox_app, name="outbox")

from encore.cli._catalog import catalog_app  # noqa: E402

app.add_typer(catalog_app, name="catalog")
