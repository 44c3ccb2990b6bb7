"""`encore security sign-out | force-reset | report [--json]`: the incident kit from a shell, for the day the
admin pages themselves are in doubt (`encore keys` is in `_keys`)."""

import contextlib
import csv
import errno
import json
import os
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.table import Table

from encore import accounts, audit, incident
from encore.accounts import get_user_by_name
from encore.bootstrap import Container
from encore.cli._console import console, err
from encore.cli._install import open_install
from encore.cli._shown import shown
from encore.db import transaction
from encore.kernel import EncoreError

security_app = typer.Typer(
    help="The incident kit: sign-outs, forced resets, the security report.", no_args_is_help=True
)


def _migrated() -> Container:
    return open_install()


def _user_id(c: Container, username: str | None) -> int | None:
    if username is None:
        return None
    with c.sessions() as session:
        user = get_user_by_name(session, username=username)
    if user is None:
        err.print(f"[red]No account named {username!r}[/red]")
        raise typer.Exit(1)
    return user.id


User = Annotated[str | None, typer.Option("--user", help="One account (by username)")]
Everyone = Annotated[bool, typer.Option("--everyone", help="Every account at once")]


def _target(c: Container, user: str | None, everyone: bool) -> int | None:
    if (user is not None) != everyone:  # exactly one: never "everyone" by leaving the name out
        return _user_id(c, user)
    err.print("[red]Name exactly one of --user NAME or --everyone[/red]")
    raise typer.Exit(2)


def _on_accounts(user: str | None, everyone: bool, action: Callable[..., None], done: str) -> None:
    c = _migrated()
    try:
        target = _target(c, user, everyone)
        with transaction(c.sessions) as session:
            action(session, user_id=target, actor_id=None, now=c.clock.now(), cutoffs=c.stream_cutoffs)
        console.print(f"[green]{done}:[/green] {user or 'every account'}")
    finally:
        c.close()


@security_app.command("sign-out")
def sign_out(user: User = None, everyone: Everyone = False) -> None:
    """Sign an account (or everyone) out of every session, device, listen token and OAuth app."""
    _on_accounts(user, everyone, incident.sign_out, "Signed out")


CodesFile = Annotated[
    Path | None,
    typer.Option(
        "--codes-file",
        help="Write the reset codes to this CSV (made readable by you only). They are staged in a hidden"
        " .NAME.*.part file beside it first, named before the reset: if the command dies before saying they were"
        " written, that file holds the codes that count.",
    ),
]


class _StagedCodes:
    """The codes file, made durable before anything is reset and put in place once the reset is committed: written
    and synced to a temporary file beside the target (readable by its owner only), renamed over it afterwards. A
    path that cannot be written, or a write that fails (a full disk), stops the command before the reset: its
    cutoff on the shared state is not undone by a rolled-back transaction (review21b F3). An older file is
    replaced whole, and only by codes that count."""

    def __init__(self, path: Path) -> None:
        self.path = path
        if path.is_dir():
            _cannot_write(path, IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR)))
        try:
            fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)  # mode 0600
        except OSError as exc:
            _cannot_write(path, exc)
        self.temp, self._out = Path(temp), os.fdopen(fd, "w", newline="")

    def write(self, codes: list[accounts.ResetCode]) -> None:
        try:
            rows = csv.writer(self._out)
            rows.writerow(["username", "email", "code", "expires_at"])
            rows.writerows([c.username, c.email or "", c.code, c.expires_at.isoformat()] for c in codes)
            self._out.flush()
            os.fsync(self._out.fileno())
        except OSError as exc:
            _cannot_write(self.path, exc)
        # said before the commit: a command killed between the commit and the rename leaves the codes that count
        # only here, and an older file at the target whose codes count for nothing (review22m F5)
        console.print(f"Codes staged in {self.temp}: they count once the reset is done.", soft_wrap=True)

    def discard(self) -> None:
        with contextlib.suppress(OSError):  # a full disk refuses the flush again; the file is closed all the same
            self._out.close()
        self.temp.unlink(missing_ok=True)

    def publish(self) -> None:
        """Into place (after the commit). Failing here, the reset stands and the codes are in the temporary file."""
        self._out.close()
        try:
            os.replace(self.temp, self.path)
            folder = os.open(self.path.parent, os.O_RDONLY)
            try:
                os.fsync(folder)  # the rename itself survives a crash
            finally:
                os.close(folder)
        except OSError as exc:
            err.print(
                f"[red]The reset is done, but its codes could not be moved to {self.path}:[/red]"
                f" {exc.strerror or exc}. They are in {self.temp}.",
                soft_wrap=True,
            )
            raise typer.Exit(1) from exc


def _cannot_write(path: Path, exc: OSError) -> NoReturn:
    err.print(
        f"[red]Could not write the reset codes to {path}:[/red] {exc.strerror or exc}. Nothing was reset.",
        soft_wrap=True,
    )
    raise typer.Exit(2) from exc


@security_app.command("force-reset")
def force_reset(user: User = None, everyone: Everyone = False, codes_file: CodesFile = None) -> None:
    """Sign out and require a new password of an account (or everyone) before anything else. Each account gets
    a one-time code, printed (or written to --codes-file): hand it to its owner out of band. Choosing the new
    password needs it as well as the current password, which may be what leaked."""
    c = _migrated()
    staged, reset = None, False
    try:
        staged = _StagedCodes(codes_file) if codes_file is not None else None
        target = _target(c, user, everyone)
        with transaction(c.sessions) as session:
            codes = incident.force_password_reset(
                session,
                user_id=target,
                actor_id=None,
                now=c.clock.now(),
                cutoffs=c.stream_cutoffs,
                # kept before the reset: codes no one can read would lock every account out (only hashes are kept)
                keep_codes=staged.write if staged is not None else None,
            )
        reset = True
        if staged is not None:
            staged.publish()  # before the container closes: a close that fails must not leave them hidden
    except BaseException:
        if staged is not None and not reset:
            staged.discard()  # nothing was reset: no file of codes that count for nothing
        raise
    finally:
        c.close()
    console.print(f"[green]New password required:[/green] {user or 'every account'}")
    if codes_file is not None:
        console.print(f"{len(codes)} reset codes written to {codes_file}")
    else:
        table = Table(title="Reset codes: hand each to its owner out of band", title_justify="left")
        for name in ("account", "e-mail", "code", "expires (UTC)"):
            table.add_column(name, overflow="fold")
        for code in codes:
            table.add_row(code.username, code.email or "", code.code, _when(code.expires_at))
        Console(width=max(console.width, 100)).print(table)


def _instant(text: str | None, default: datetime) -> datetime:
    if text is None:
        return default
    try:
        at = datetime.fromisoformat(text)
    except ValueError as exc:
        err.print(f"[red]Not a date or time:[/red] {text!r} (use e.g. 2026-11-30 or 2026-11-30T14:00Z)")
        raise typer.Exit(2) from exc
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)  # a bare date or time is UTC


def _addresses(row: audit.Logins, most: int = 4) -> str:
    ranked = sorted(row.addresses.items(), key=lambda kv: -kv[1])
    shown = ", ".join(f"{ip or '?'} ({n})" for ip, n in ranked[:most])
    return shown + (f", +{len(ranked) - most} more" if len(ranked) > most else "")


def _when(at: datetime | None) -> str:
    return "" if at is None else f"{at:%Y-%m-%d %H:%M}"


def _events_table(title: str, events: list[audit.EventView]) -> Table:
    table = Table(title=title, title_justify="left")
    for name in ("when (UTC)", "what", "by", "account", "from", "details"):
        table.add_column(name, overflow="fold")
    for e in events:
        details = json.dumps(e.details, separators=(",", ":"))
        # names and details hold what people typed (a login's name, a file's): never markup or a control sequence
        table.add_row(_when(e.at), e.kind, shown(e.actor or ""), shown(e.subject or ""), e.client_ip, shown(details))
    return table


def _as_json(report: audit.Report) -> str:
    return json.dumps(
        {
            "since": report.since.isoformat(),
            "until": report.until.isoformat(),
            "logins": [
                {
                    "account": r.account,
                    "logins": r.logins,
                    "failures": r.failures,
                    "refused": r.refused,
                    "addresses": r.addresses,
                    "first": r.first.isoformat() if r.first else None,
                    "last": r.last.isoformat() if r.last else None,
                }
                for r in report.logins
            ],
            "changes": audit.to_rows(report.changes),
            "exports": audit.to_rows(report.exports),
        },
        indent=2,
    )


@security_app.command("report")
def report(
    since: Annotated[str | None, typer.Option(help="From (ISO date or time, UTC; default: 7 days ago)")] = None,
    until: Annotated[str | None, typer.Option(help="Until (ISO date or time; default: now)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON instead of tables")] = False,
) -> None:
    """Who logged in (and failed to) from where, what was changed and what was exported, in a window."""
    c = _migrated()
    try:
        now = c.clock.now()
        start, end = _instant(since, now - timedelta(days=7)), _instant(until, now)
        if start > end:  # an empty report would read as "nothing happened" (probe20 N8)
            err.print(f"[red]--since ({_when(start)}) is after --until ({_when(end)})[/red]")
            raise typer.Exit(2)
        with c.sessions() as session:
            found = audit.security_report(session, since=start, until=end)
    finally:
        c.close()
    if as_json:
        typer.echo(_as_json(found))
        return
    out = Console(width=max(console.width, 140))
    out.print(f"[bold]Security report[/bold] {_when(start)} to {_when(end)} UTC")
    logins = Table(title="Log-ins", title_justify="left")
    # "refused": the right password for a disabled account or one being deleted (its owner, not a guesser)
    for name in ("account", "sign-ins", "failed", "refused (stopped)", "from (attempts)", "first", "last"):
        logins.add_column(name, overflow="fold")
    for r in found.logins:
        account = shown(r.account) if r.account else "[italic](no such account)[/italic]"  # a name typed at login
        counts = (str(r.logins), str(r.failures), str(r.refused))
        logins.add_row(account, *counts, _addresses(r), _when(r.first), _when(r.last))
    out.print(logins)
    out.print(_events_table("Changes", found.changes))
    out.print(_events_table("Exports", found.exports))


def set_account_state(username: str, *, active: bool, password: incident.PasswordOnEnable | None = None) -> None:
    """`encore user disable | enable NAME`: the operator cuts a person off (or lets them back in)."""
    c = _migrated()
    try:
        target = _user_id(c, username) or 0  # a name gives its id, or exits
        with transaction(c.sessions) as session:
            now, cuts = c.clock.now(), c.stream_cutoffs
            done = incident.set_account_active(
                session, user_id=target, active=active, actor_id=None, now=now, cutoffs=cuts, password=password
            )
            warning = None if active else incident.warnings_on_disable(session, user_id=target, now=now)
    except EncoreError as exc:
        hint = " (--force-reset or --keep-password)" if exc.code == "password_unsaid" else ""
        err.print(f"[red]Not {'enabled' if active else 'disabled'}:[/red] {shown(exc.message)}{hint}")
        raise typer.Exit(1) from exc
    finally:
        c.close()
    state = "enabled" if active else "disabled, and signed out everywhere"
    console.print(f"[green]{username} is {state}[/green]" + ("" if done.changed else " (it already was)"))
    if (code := done.reset_code) is not None:
        console.print(
            f"It must choose a new password first. Hand its owner this one-time code out of band: {code.code} "
            f"(expires {_when(code.expires_at)} UTC)"
        )
    if warning is not None:
        console.print(f"[yellow]Note:[/yellow] {warning}")


def enable_account(username: str, *, force_reset: bool, keep_password: bool) -> None:
    """`encore user enable NAME --force-reset | --keep-password`: exactly one. Neither or both is a usage error
    (exit 2, as typer's own), said before the install is opened (probe23 F6: neither exited 1, both 2)."""
    if force_reset and keep_password:
        err.print("[red]Not enabled:[/red] name one of --force-reset or --keep-password, not both.", soft_wrap=True)
        raise typer.Exit(2)
    if not force_reset and not keep_password:
        err.print(
            "[red]Not enabled:[/red] say whether its owner must choose a new password (--force-reset: the safe "
            "choice if it may have leaked) or keeps the current one (--keep-password): one of --force-reset or "
            "--keep-password.",
            soft_wrap=True,
        )
        raise typer.Exit(2)
    password: incident.PasswordOnEnable | None = "reset" if force_reset else "keep" if keep_password else None
    set_account_state(username, active=True, password=password)


def delete_account(username: str, *, yes: bool) -> None:
    """`encore user delete NAME`: the operator deletes an account (an erasure request, a person cut off for good)."""
    c = _migrated()
    try:
        target = _user_id(c, username) or 0  # a name gives its id, or exits
        if not yes:
            typer.confirm(
                f"Delete {username} and everything Encore keeps of them? It cannot be undone.", abort=True, err=True
            )
        with transaction(c.sessions) as session:
            job = incident.delete_account(
                session, user_id=target, jobs=c.jobs, actor_id=None, now=c.clock.now(), cutoffs=c.stream_cutoffs
            )
    except EncoreError as exc:
        err.print(f"[red]Not deleted:[/red] {shown(exc.message)}")
        raise typer.Exit(1) from exc
    finally:
        c.close()
    console.print(
        f"[green]{username} is stopped and signed out everywhere; its erasing is queued[/green] (job {job.id}). A"
        " worker (encore serve's, or encore worker) erases its data; then the username is free."
    )


def set_account_password(username: str, password: str) -> None:
    """`encore user set-password NAME`: the way back for an owner whose password was changed by someone else."""
    c = _migrated()
    try:
        target = _user_id(c, username) or 0  # a name gives its id, or exits
        with transaction(c.sessions) as session:
            incident.set_password(
                session, user_id=target, password=password, actor_id=None, now=c.clock.now(), cutoffs=c.stream_cutoffs
            )
    except EncoreError as exc:
        err.print(f"[red]Password not set:[/red] {shown(exc.message)}")
        raise typer.Exit(1) from exc
    finally:
        c.close()
    console.print(
        f"[green]{username}'s password is set, and the account is signed out everywhere.[/green] Hand it over out of "
        "band; its owner can change it under Settings."
    )
