"""`encore keys rotate`, `encore security sign-out | force-reset | report`: the incident kit from a shell,
for the day the admin pages themselves are in doubt."""

from datetime import timedelta
from typing import Annotated

import typer
from rich.console import Console

from encore import incident
from encore.accounts import get_user_by_name
from encore.bootstrap import Container, build
from encore.db import transaction

keys_app = typer.Typer(help="Signing and encryption keys.", no_args_is_help=True)
security_app = typer.Typer(
    help="The incident kit: sign-outs, forced resets, the security report.", no_args_is_help=True
)
console = Console()
err = Console(stderr=True)


def _migrated() -> Container:
    c = build()
    c.migrate()
    return c


@keys_app.command("rotate")
def rotate(
    grace: Annotated[
        int | None, typer.Option(help="Seconds the previous keys keep working (default: key_grace_s)")
    ] = None,
) -> None:
    """Sign stream URLs and seal app passwords with a new key; the previous keys count for the grace period."""
    c = _migrated()
    try:
        seconds = c.settings.key_grace_s if grace is None else grace
        with transaction(c.sessions) as session:
            done = incident.rotate_keys(
                session,
                secret=c.settings.secret_key.get_secret_value().encode(),
                now=c.clock.now(),
                grace=timedelta(seconds=seconds),
            )
        console.print(
            f"[green]Key {done.kid} is current.[/green] Previous keys work until {done.previous_until:%Y-%m-%d %H:%M} "
            f"UTC; {done.resealed} app passwords resealed. Running servers switch within 30 s."
        )
    finally:
        c.close()


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


@security_app.command("sign-out")
def sign_out(user: User = None, everyone: Everyone = False) -> None:
    """Sign an account (or everyone) out of every session, device, listen token and OAuth app."""
    c = _migrated()
    try:
        target = _target(c, user, everyone)
        with transaction(c.sessions) as session:
            incident.sign_out(session, user_id=target, actor_id=None, now=c.clock.now())
        console.print(f"[green]Signed out:[/green] {user or 'every account'}")
    finally:
        c.close()


@security_app.command("force-reset")
def force_reset(user: User = None, everyone: Everyone = False) -> None:
    """Sign out and require a new password of an account (or everyone) before anything else."""
    c = _migrated()
    try:
        target = _target(c, user, everyone)
        with transaction(c.sessions) as session:
            incident.force_password_reset(session, user_id=target, actor_id=None, now=c.clock.now())
        console.print(f"[green]New password required:[/green] {user or 'every account'}")
    finally:
        c.close()
