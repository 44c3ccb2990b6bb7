"""`encore outbox list` and `encore outbox retry`: the verified streams set aside by the outbox's drain (a record
whose write failed on its own in SET_ASIDE drains: `encore.playback` outbox), which the operator sees and sends
back to the drain once the cause is mended. A record set aside is dropped after ASIDE_KEEP_S (logged whole)."""

import re
from collections.abc import Callable
from typing import Annotated, TypeVar

import typer
from rich.table import Table

from encore import playback
from encore.cli._console import console, err
from encore.cli._install import open_install
from encore.cli._shown import shown
from encore.state import StateUnavailable

outbox_app = typer.Typer(help="Verified streams whose write failed and that were set aside.", no_args_is_help=True)
T = TypeVar("T")
_NAME = re.compile(r"\A[0-9a-fA-F]{8,64}\Z")


def _answer(ask: Callable[[], T]) -> T:
    """The outbox's answer; Redis (or the spool's folder) not answering is exit 3 with the reason, no traceback."""
    try:
        return ask()
    except (OSError, StateUnavailable) as exc:
        err.print(f"[red]The outbox could not be read:[/red] {shown(exc)}")
        raise typer.Exit(3) from None


@outbox_app.command("list")
def list_aside() -> None:
    """The records set aside, oldest first (exit 0, also when there are none)."""
    c = open_install()
    try:
        found = sorted(_answer(c.verified_outbox.aside), key=lambda a: a.since)
    finally:
        c.close()
    if not found:
        console.print("No verified stream is set aside.")
        return
    days = playback.ASIDE_KEEP_S // 86_400
    table = Table(title=f"Verified streams set aside (each dropped {days} days after)", title_justify="left")
    for name in ("play key", "listener", "track", "first byte", "audio s", "failures", "set aside"):
        table.add_column(name, overflow="fold")
    for a in found:
        v = a.verified
        cells = ("not a record", "", "", "") if v is None else (v.user, v.track, f"{v.first_byte_at:%Y-%m-%d %H:%M:%S}")
        audio = "" if v is None else f"{v.audio_ms / 1000:.1f}"
        table.add_row(shown(a.name), *(shown(x) for x in cells[:3]), audio, str(a.fails), f"{a.since:%Y-%m-%d %H:%M}")
    console.print(table)
    console.print("`encore outbox retry PLAY_KEY...` (a prefix of 8 or more) sends them back to the minutely drain.")


@outbox_app.command()
def retry(
    play_keys: Annotated[list[str] | None, typer.Argument(help="Play keys, or their first 8+ characters")] = None,
    every: Annotated[bool, typer.Option("--all", help="Every record set aside")] = False,
) -> None:
    """Have the next minutely drain try these records again, as if they had never failed (exit 1: none matched)."""
    if bool(play_keys) == every:
        err.print("[red]Name the play keys to retry, or give --all (not both).[/red]")
        raise typer.Exit(2)
    bad = [k for k in play_keys or () if not _NAME.match(k)]
    if bad:
        err.print(f"[red]Not a play key (8 to 64 hexadecimal characters):[/red] {shown(bad[0])}")
        raise typer.Exit(2)
    c = open_install()
    try:
        done = _answer(lambda: c.verified_outbox.retry(None if every else play_keys))
    finally:
        c.close()
    if not done:
        err.print("No verified stream set aside matched.")
        raise typer.Exit(1)
    console.print(f"{done} verified stream(s) will be written by the next minutely drain.")
