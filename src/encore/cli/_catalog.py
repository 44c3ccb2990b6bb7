"""`encore catalog find TEXT | withdraw ALBUM_ID [--reason TEXT] | restore ALBUM_ID`: the operator takes music
down (the wrong folder ingested, a takedown notice) and puts it back (encore.incident decides)."""

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, TypeVar

import typer
from rich.table import Table
from sqlalchemy.orm import Session

from encore import incident
from encore.cli._console import console, err
from encore.cli._install import open_install
from encore.cli._shown import shown
from encore.db import transaction
from encore.kernel import EncoreError

catalog_app = typer.Typer(help="Find albums, take them down and put them back.", no_args_is_help=True)
T = TypeVar("T")


def _run(failed: str, act: Callable[[Session, datetime], T]) -> T:
    c = open_install()  # never a new, empty install made by running it in the wrong directory (review21c F3)
    try:
        with transaction(c.sessions) as session:
            return act(session, c.clock.now())
    except EncoreError as exc:
        err.print(f"[red]{failed}:[/red] {shown(exc.message)}")  # it names titles and labels others wrote
        raise typer.Exit(1) from exc
    finally:
        c.close()


@catalog_app.command("find")
def find(text: str) -> None:
    """Albums whose title or artist holds TEXT (any status): their ids for withdraw and restore."""
    found = _run("Not searched", lambda s, _: incident.find_albums(s, text=text))
    if not found:
        console.print(f"No album matches {shown(repr(text))}.")  # the operator's words, but '[/]' is markup
        return
    table = Table(title_justify="left")
    table.add_column("id", no_wrap=True, min_width=max(len(a.public_id) for a in found))  # whole, to copy
    for name in ("title", "artist", "label", "status", "tracks"):
        table.add_column(name, overflow="fold")
    for a in found:
        # titles and names are the labels' own text: never markup, never a control sequence
        table.add_row(
            a.public_id, shown(a.title), shown(a.artists), shown(a.label or "(none)"), a.status, str(a.tracks)
        )
    console.print(table)


@catalog_app.command("withdraw")
def withdraw(
    album_id: str,
    reason: Annotated[str, typer.Option(help="Why (a takedown notice, a wrong folder): kept in the audit log")] = "",
) -> None:
    """Take an album down everywhere at once: plays, streams and statements keep their history, the files stay
    on disk, ingesting them again does not bring it back, and its label cannot publish it again (only restore
    lifts it). A release its label withdrew can be taken down too."""

    def act(session: Session, now: datetime) -> incident.FoundAlbum:
        return incident.withdraw_album(session, album_id=album_id, actor_id=None, now=now, reason=reason)

    album = _run("Not withdrawn", act)
    console.print(
        f"[green]Withdrawn:[/green] {shown(album.title)} ({album.public_id}), {album.tracks} tracks, listed nowhere"
    )


@catalog_app.command("restore")
def restore(album_id: str) -> None:
    """Lift the operator's takedown: published again (or withdrawn, if its label had withdrawn it first). A
    release its label withdrew, and the operator did not take down, is the label's to publish."""

    def act(session: Session, now: datetime) -> incident.FoundAlbum:
        return incident.restore_album(session, album_id=album_id, actor_id=None, now=now)

    album = _run("Not restored", act)
    if album.status != "published":  # its label had withdrawn it before the takedown
        console.print(
            f"[green]Takedown lifted:[/green] {shown(album.title)} ({album.public_id}) stays withdrawn, as its label "
            f"{shown(repr(album.label))} had withdrawn it; the label may publish it again"
        )
        return
    console.print(f"[green]Published again:[/green] {shown(album.title)} ({album.public_id}), {album.tracks} tracks")
    if album.label is not None:
        console.print(
            f"[yellow]Note:[/yellow] a release of the label {shown(repr(album.label))}, back as it was before the "
            "takedown"
        )
