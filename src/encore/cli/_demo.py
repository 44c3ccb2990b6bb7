"""`encore demo`: synthesise the demo library offline, import it, and create the demo accounts.

The first album goes first (written, imported, then the ad spot and the accounts), so `make run` can serve
and play it while the rest builds (`--first-only` stops there; `encore serve --build-demo` finishes it in a
background process). The rest follows album by album, its progress in the library's `.demo-build.json`
(read by the player's home notice). Each written file stays on disk and ingest skips unchanged files, so a
stopped build resumes where it was and a finished one returns at once.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import func, select

from encore import ads, discovery, exclusives
from encore.accounts import Role
from encore.bootstrap import Container
from encore.catalog import Album, Track
from encore.cli._wrapped import seed_demo_wrapped
from encore.db import transaction
from encore.demo import (
    AD_ISRC,
    DEMO_LOGINS,
    BuildProgress,
    DemoAlbum,
    DemoCatalogue,
    DemoSpec,
    adopt_build_lock,
    album_folder,
    ensure_demo_world,
    ensure_extras,
    extras_album,
    gallery_images,
    has_gallery,
    library_dir,
    plan_catalogue,
    read_progress,
    standing_logins,
    try_build_lock,
    wait_build_lock,
    write_ad_spot,
    write_demo_library,
    write_progress,
)
from encore.ingest import render_summary, run_ingest


@dataclass(frozen=True)
class DemoOptions:
    spec: DemoSpec
    first_only: bool
    force: bool
    workers: int


def _ensure_ad_spot(c: Container, console: Console) -> None:
    """The demo ad campaign's audio, ingested through the normal pipeline as a spot (once)."""
    with c.sessions() as session:
        if session.scalar(select(Track.id).where(Track.isrc == AD_ISRC)) is not None:
            return
    folder = c.settings.data_dir / "demo-ads"
    write_ad_spot(folder)
    summary = run_ingest(
        paths=[folder],
        session_factory=c.sessions,
        store=c.store,
        label_override=None,
        workers=1,
        progress=None,
        as_ad=ads.mark_spot,  # never listed as music (review26a L2)
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
    with c.sessions() as session:
        standing = standing_logins(session)
    for login in standing:
        table.add_row(login.username, login.password, login.role.value, login.what)
    console.print(table)
    gone = [login.username for login in DEMO_LOGINS if login not in standing]
    if gone:
        console.print(f"Not listed: {', '.join(gone)} (deleted or disabled since the build made them)")


@contextmanager
def _build_lock(library: Path, console: Console, handed_fd: int | None) -> Iterator[None]:
    """One builder at a time per library (a foreground `encore demo` and the server's background child, which
    holds the lock its server handed it as descriptor `handed_fd`)."""
    lock = adopt_build_lock(handed_fd, library) if handed_fd is not None else None
    if lock is None:
        lock = try_build_lock(library)
    if lock is None:
        console.print("Another demo build is running here; waiting for it ...")
        lock = wait_build_lock(library)
    with lock:
        yield


def _import_album(
    c: Container, album: DemoAlbum, library: Path, workers: int, console: Console, *, draft: bool = False
) -> None:
    one = DemoCatalogue([], [], [album])
    write_demo_library(one, library, workers=min(workers, len(album.tracks)))
    summary = run_ingest(
        paths=[album_folder(library, album)],
        session_factory=c.sessions,
        store=c.store,
        label_override=None,
        workers=min(workers, len(album.tracks)),
        progress=None,
        draft=draft,
    )
    if summary.failed:
        render_summary(summary, console)


def _ensure_extras(c: Container, first: DemoAlbum, library: Path, console: Console) -> None:
    """The Premium exclusives beside the pre-release (interview, demo version, artwork gallery): their audio
    is a small Premium-only release, ingested as a draft (listed nowhere, streamable by no one) and published
    only in the transaction that makes it Premium; the gallery's pictures go to the store."""
    _import_album(c, extras_album(first), library, 1, console, draft=True)
    with c.sessions() as session:
        done = has_gallery(session)
    images = [] if done else [exclusives.store_image(data=d, store=c.store) for d in gallery_images(first)]
    with transaction(c.sessions) as session:
        album = session.scalars(select(Album).where(Album.title == first.title).order_by(Album.id)).first()
        if album is not None and album.label_id is not None:
            ensure_extras(session, album=album, images=images, now=c.clock.now())


def _progress(spec: DemoSpec, catalogue: DemoCatalogue, albums_done: int, stage: str) -> BuildProgress:
    tracks = sum(len(a.tracks) for a in catalogue.albums[:albums_done])
    total = len(catalogue.albums)
    return BuildProgress(albums_done, total, tracks, catalogue.track_count, stage, stage == "done", spec)


def _bar(console: Console) -> Progress:
    return Progress(
        TextColumn("[bold]Demo catalogue"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("tracks · {task.fields[album]}"),
        TimeElapsedColumn(),
        console=console,
    )


def _build_rest(
    c: Container, *, spec: DemoSpec, catalogue: DemoCatalogue, library: Path, workers: int, console: Console
) -> None:
    first_tracks = len(catalogue.albums[0].tracks)
    with _bar(console) as bar:
        task = bar.add_task("demo", total=catalogue.track_count, completed=first_tracks, album="")
        for index, album in enumerate(catalogue.albums[1:], start=2):
            bar.update(task, album=album.title)
            _import_album(c, album, library, workers, console)
            bar.advance(task, len(album.tracks))
            write_progress(library, _progress(spec, catalogue, index, "catalogue"))


def _world_after_catalogue(c: Container, spec: DemoSpec, console: Console) -> None:
    """What needs the whole catalogue: years of listening, Wrapped, and the recommender trained on them."""
    listeners = [login.username for login in DEMO_LOGINS if login.role is Role.LISTENER]
    seed_demo_wrapped(c, listeners=listeners, console=console, years=spec.history_years)
    with transaction(c.sessions) as session:  # radio and recommendations from the demo's listening at once
        trained = discovery.train(session, now=c.clock.now())
    console.print(
        f"Recommender trained: {trained.track_pairs} listening pairs, {trained.catalogue_pairs} from the catalogue"
    )


def run_demo_command(c: Container, *, options: DemoOptions, console: Console, handed_fd: int | None = None) -> None:
    library = library_dir(c.settings.data_dir)
    with _build_lock(library, console, handed_fd):
        _run_locked(c, options=options, library=library, console=console)


def first_album_for_serve(c: Container, *, options: DemoOptions, console: Console) -> TextIO | None:
    """`serve --build-demo`'s first step, never waiting: None when another builder holds the library (a
    foreground `encore demo`, or a background child left from an earlier server): it keeps building, home's
    notice shows its progress, and the server serves at once. Otherwise the first album is built and the
    lock comes back still held, for the background child to inherit."""
    library = library_dir(c.settings.data_dir)
    lock = try_build_lock(library)
    if lock is None:
        console.print("Another demo build is running here; serving now (home shows its progress)")
        return None
    try:
        _run_locked(c, options=options, library=library, console=console)
    except BaseException:
        lock.close()
        raise
    return lock


def _run_locked(c: Container, *, options: DemoOptions, library: Path, console: Console) -> None:
    status = read_progress(library)
    with c.sessions() as session:
        existing = session.scalar(select(func.count()).select_from(Track)) or 0
    if status is not None and status.finished and not options.force:
        console.print(f"The demo catalogue is built ({existing} tracks); nothing to do.")
        _print_logins(c, console)
        return
    if status is None and existing and not options.force:
        # A library this build did not start (someone's own music, or a demo from before progress files).
        console.print(f"Library already has {existing} tracks; not building the demo again.")
        _ensure_ad_spot(c, console)
        _ensure_accounts(c)
        _world_after_catalogue(c, options.spec, console)
        write_progress(library, BuildProgress(0, 0, 0, 0, "done", finished=True))
        _print_logins(c, console)
        return
    if options.first_only and status is not None and status.albums_done >= 1:
        console.print(
            f"The demo build begun here has {status.albums_done}/{status.albums_total} albums; "
            "`encore serve --build-demo` (or `encore demo`) finishes it."
        )
        _print_logins(c, console)
        return
    spec = options.spec
    if status is not None and status.spec is not None and status.spec != spec:
        console.print(f"Resuming the demo build begun here ({status.albums_done}/{status.albums_total} albums)")
        spec = status.spec  # the albums already imported belong to that plan
    catalogue = plan_catalogue(spec)
    if status is None:  # written first: a build stopped from here on resumes instead of being skipped
        write_progress(library, _progress(spec, catalogue, 0, "catalogue"))
    first = catalogue.albums[0]
    if status is None:
        console.print(f"Synthesising and importing the first album ({len(first.tracks)} tracks) into {library} ...")
    _import_album(c, first, library, options.workers, console)
    _ensure_ad_spot(c, console)
    _ensure_accounts(c)
    write_progress(library, _progress(spec, catalogue, 1, "catalogue"))
    if options.first_only:
        console.print(
            f"First album ready; {len(catalogue.albums) - 1} more albums, listening history and Wrapped "
            "follow in the background under `encore serve --build-demo` (or run `encore demo`)."
        )
        _print_logins(c, console)
        return
    _ensure_extras(c, first, library, console)  # the background part: after the first album plays
    _build_rest(c, spec=spec, catalogue=catalogue, library=library, workers=options.workers, console=console)
    write_progress(library, _progress(spec, catalogue, len(catalogue.albums), "history"))
    _world_after_catalogue(c, spec, console)
    write_progress(library, _progress(spec, catalogue, len(catalogue.albums), "done"))
    _print_logins(c, console)
