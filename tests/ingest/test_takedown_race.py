"""An ingest and `encore catalog withdraw` of the same release at once (review24s H1, M1): the takedown holds every
track on it, whichever of the two commits first, and neither fails.

H1: `upsert_album` checked the takedown on the album as first read, without its row's lock. A takedown committed
after that read let a new file's track be saved `published` (listed, streamable, paid) on the taken-down release.
M1: a changed file's hold took the album's row before the catalogue's version row, the reverse of the takedown's
order, so on PostgreSQL the two deadlocked and one of them failed.

Deterministic: each interleaving is driven, not slept into. A hook runs the takedown at a named point of the
ingest; where one transaction must wait for the other, the test waits until PostgreSQL shows it waiting on a lock
(or the other has finished) before letting the first go on."""

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from mutagen.flac import FLAC
from sqlalchemy import event, select, text
from sqlalchemy.orm import ORMExecuteState

from encore import incident
from encore.bootstrap import Container
from encore.catalog import Album, Track
from encore.db import transaction
from encore.ingest import IngestSummary
from encore.ingest import _commit as commit_stage
from tests.ingest import corpus as c
from tests.ingest.conftest import ingest

NOW = datetime(2026, 12, 6, 7, 0, tzinfo=UTC)
WAIT_S = 30.0  # a bound on each wait for the other transaction: reached only if the code under test hangs


def _published(container: Container, tmp_path: Path) -> tuple[Path, str]:
    """ "LP" by "Band", one file ingested and published: the release to take down. Returns its folder and id."""
    lib = tmp_path / "lib"
    lib.mkdir()
    c.write_flac(lib / "0.flac", c.tone(1.5, 300, seed=0), title="Song 0", artist="Band", album="LP")
    assert ingest(container, lib).imported == 1
    with container.sessions() as s:
        album_id = s.scalar(select(Album.public_id).where(Album.title == "LP"))
    assert album_id is not None
    return lib, album_id


def _another_file(lib: Path, change: str) -> None:
    """`new`: a second file naming the release; `changed`: the first file retagged (a tags-only update)."""
    if change == "new":
        c.write_flac(lib / "1.flac", c.tone(1.5, 500, seed=1), title="Song 1", artist="Band", album="LP")
    else:
        tags = FLAC(lib / "0.flac")
        tags["title"] = "Song 0 (Remastered)"
        tags.save()


def _take_down(container: Container, album_id: str, said: list[str]) -> None:
    try:
        with transaction(container.sessions) as s:
            incident.withdraw_album(s, album_id=album_id, actor_id=None, now=NOW, reason="notice")
        said.append("taken down")
    except Exception as exc:  # the assertion shows what failed (on the old order: a deadlock)
        said.append(repr(exc)[:300])


def _release(container: Container, album_id: str) -> tuple[str | None, str, list[tuple[str, str]]]:
    """What the release holds now: the status its takedown found, its status, and each track's title and status."""
    with container.sessions() as s:
        album = s.scalar(select(Album).where(Album.public_id == album_id))
        assert album is not None
        tracks = s.execute(select(Track.title, Track.status).where(Track.album_id == album.id).order_by(Track.id))
        return album.taken_down_from, album.status, [(t, st) for t, st in tracks]


def _outcome(summary: IngestSummary) -> tuple[int, int, int, list[tuple[str, str]]]:
    return summary.imported, summary.updated, len(summary.taken_down), summary.failed


def _waiting_on_a_lock(container: Container) -> bool:
    with container.engine.connect() as watch:
        query = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        return bool(watch.execute(text(query)).scalar())


def _until(container: Container, done: Callable[[], bool]) -> None:
    """Return once a transaction of this database waits on a lock, or `done()` (the other went through unheld)."""
    deadline = time.monotonic() + WAIT_S
    while not done() and not _waiting_on_a_lock(container) and time.monotonic() < deadline:
        time.sleep(0.02)


@contextmanager
def _after_the_ingest_reads_the_album(container: Container, run: Callable[[], None]) -> Iterator[list[bool]]:
    """Run `run` (to its end) right after the ingest's first read of an album by its identity key, the read
    `upsert_album` decides on; yields a list that holds True once that happened."""
    ran: list[bool] = []

    def hook(state: ORMExecuteState) -> Any:
        where = str(getattr(state.statement, "whereclause", ""))
        if ran or not state.is_select or state.is_column_load or "albums.album_key" not in where:
            return None
        ran.append(True)
        found = state.invoke_statement().freeze()
        run()
        return found()

    event.listen(container.sessions, "do_orm_execute", hook)
    try:
        yield ran
    finally:
        event.remove(container.sessions, "do_orm_execute", hook)


def test_a_new_file_of_a_release_taken_down_right_after_the_ingest_read_it_is_left_out(
    container: Container, tmp_path: Path
) -> None:
    """H1, on both databases: the takedown commits between the ingest's read of the album and its writes."""
    lib, album_id = _published(container, tmp_path)
    _another_file(lib, "new")
    said: list[str] = []

    def take_down() -> None:  # in its own thread and transaction: the ingest holds no lock it needs yet
        racer = threading.Thread(target=_take_down, args=(container, album_id, said))
        racer.start()
        racer.join(WAIT_S)

    with _after_the_ingest_reads_the_album(container, take_down) as ran:
        summary = ingest(container, lib)
    assert ran == [True] and said == ["taken down"]
    assert _outcome(summary) == (0, 0, 1, []), summary
    assert "is taken down" in summary.taken_down[0][1]
    assert _release(container, album_id) == ("published", "withdrawn", [("Song 0", "withdrawn")])


@pytest.mark.parametrize("change", ["new", "changed"])
@pytest.mark.parametrize("first", ["ingest", "takedown"])
def test_an_ingest_and_a_takedown_at_once_both_go_through_and_the_release_stays_held(
    container: Container, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: str, first: str
) -> None:
    """H1 and M1 on PostgreSQL, two transactions open at once. `first` holds its locks while the other asks: the
    other waits, then goes through. The ingest first: its file lands, and the takedown then holds it with the
    rest. The takedown first: the file is left out. Never a deadlock, never a published track on the release."""
    if container.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time: the two cannot hold locks at once")
    lib, album_id = _published(container, tmp_path)
    _another_file(lib, change)
    said: list[str] = []
    racer = threading.Thread(target=_take_down, args=(container, album_id, said))
    if first == "ingest":
        save_track = commit_stage.save_track

        def release_held_then_save(*args: Any, **kwargs: Any) -> Any:  # the release is held by now; its track next
            if racer.ident is None:
                racer.start()
                _until(container, lambda: not racer.is_alive())  # the takedown waits on the ingest's lock
            return save_track(*args, **kwargs)

        monkeypatch.setattr(commit_stage, "save_track", release_held_then_save)
        summary = ingest(container, lib)
    else:
        summary = _ingest_while_the_takedown_is_open(container, lib, album_id, said)
    if racer.ident is not None:
        racer.join(WAIT_S)
    assert said == ["taken down"]
    title = "Song 0 (Remastered)" if change == "changed" else "Song 0"
    if first == "ingest":
        assert _outcome(summary) == ((1, 0) if change == "new" else (0, 1)) + (0, []), summary
        tracks = [(title, "withdrawn")] + ([("Song 1", "withdrawn")] if change == "new" else [])
    else:
        assert _outcome(summary) == (0, 0, 1, []), summary
        tracks = [("Song 0", "withdrawn")]
    assert _release(container, album_id) == ("published", "withdrawn", tracks)


def _ingest_while_the_takedown_is_open(
    container: Container, lib: Path, album_id: str, said: list[str]
) -> IngestSummary:
    """Take the release down in a transaction left open until the ingest waits on its locks, then commit it."""
    held, ingested = threading.Event(), threading.Event()

    def take_down_and_hold() -> None:
        try:
            with transaction(container.sessions) as s:
                incident.withdraw_album(s, album_id=album_id, actor_id=None, now=NOW, reason="notice")
                held.set()
                _until(container, ingested.is_set)
            said.append("taken down")
        except Exception as exc:
            said.append(repr(exc)[:300])
        finally:
            held.set()

    racer = threading.Thread(target=take_down_and_hold)
    racer.start()
    assert held.wait(WAIT_S)
    try:
        return ingest(container, lib)
    finally:
        ingested.set()
        racer.join(WAIT_S)
