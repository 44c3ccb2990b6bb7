"""An upload does not wait for another ingest run to finish (review26b F2): a label's 16-byte upload said
"Uploading…" for a minute behind the demo build's album, and would have waited hours behind `encore ingest` of a
library, when each run held a store-wide lock from start to end.

A real second run holds its lock here: `encore ingest`'s pipeline in a thread, stopped by its own progress sink
after its first commit (mid-run: one file committed, one not yet analysed). The upload must finish while that run is
still stopped there; the bound on waiting is for a hang (the old code), not a measure of speed."""

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import func, select

from encore.bootstrap import Container
from encore.catalog import Track
from encore.ingest import IngestSummary, ingest_upload, run_ingest
from tests.ingest import corpus as c

WAIT_S = 120  # a bound on a hang, not an assertion of speed: the machine may be busy


class _StopAfterFirst:
    """A progress sink that holds its run at its first file, as a long library import is held by its next file."""

    def __init__(self) -> None:
        self.reached = threading.Event()
        self.go_on = threading.Event()
        self.seen: list[str] = []

    def start(self, total: int) -> None:
        pass

    def advance(self, path: str, outcome: str) -> None:
        self.seen.append(outcome)
        if len(self.seen) == 1:
            self.reached.set()
            assert self.go_on.wait(WAIT_S), "the test never let the run go on"

    def finish(self) -> None:
        pass


@contextmanager
def _held_run(container: Container, library: Path) -> Iterator[list[IngestSummary]]:
    """`encore ingest`'s pipeline over `library` in a thread, held after its first commit while the block runs, let
    go and waited for after it: the list holds its summary then."""
    held = _StopAfterFirst()
    done: list[IngestSummary] = []

    def long_run() -> None:
        done.append(
            run_ingest(
                paths=[library],
                session_factory=container.sessions,
                store=container.store,
                label_override=None,
                workers=1,
                progress=held,
            )
        )

    runner = threading.Thread(target=long_run)
    runner.start()
    try:
        assert held.reached.wait(WAIT_S), "the long run never committed its first file"
        yield done
        assert runner.is_alive() and held.seen == ["imported"], "the long run was still under way"
    finally:
        held.go_on.set()
        runner.join(WAIT_S)


def _in_a_thread(work: Callable[[], IngestSummary]) -> list[IngestSummary]:
    """`work` beside the held run; its summary, once it ends (bounded: a hang is the old code's wait)."""
    result: list[IngestSummary] = []
    other = threading.Thread(target=lambda: result.append(work()))
    other.start()
    other.join(WAIT_S)
    assert not other.is_alive(), "it waited for the held run to finish"
    return result


def _library(tmp_path: Path, first: bytes) -> Path:
    library = tmp_path / "library"
    library.mkdir()
    c.write_flac(library / "01.flac", first, title="Long One", artist="Operator", album="Big Library")
    c.write_flac(library / "02.flac", c.tone(1.5, 350), title="Long Two", artist="Operator", album="Big Library")
    return library


def test_an_upload_answers_while_another_run_is_under_way(db_container: Container, tmp_path: Path) -> None:
    flac = c.write_flac(tmp_path / "up.flac", c.tone(1.5, 440), title="Uploaded", artist="Label Act")

    def upload() -> IngestSummary:
        with flac.open("rb") as data:
            return ingest_upload(
                data=data,
                original_name="up.flac",
                sessions=db_container.sessions,
                store=db_container.store,
                label_override=None,
                max_bytes=10**8,
                draft=True,
            )

    with _held_run(db_container, _library(tmp_path, c.tone(1.5, 330))) as done:
        uploaded = _in_a_thread(upload)
        assert uploaded[0].imported == 1, uploaded[0]
        assert uploaded[0].failed == []
    assert done[0].imported == 2 and done[0].failed == [], done[0]
    with db_container.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Track)) == 3


def test_the_same_audio_from_two_runs_at_once_is_one_track(db_container: Container, tmp_path: Path) -> None:
    """A second run beside a held one goes on, and audio the held run already committed makes no second track.
    It does not show that two commits of the same audio at the same moment take turns (`_commit_lock`)."""
    audio = c.tone(1.5, 330)
    again = c.write_flac(tmp_path / "again.flac", audio, title="Same", artist="Operator", album="Big Library")

    def second_run() -> IngestSummary:
        return run_ingest(
            paths=[again],
            session_factory=db_container.sessions,
            store=db_container.store,
            label_override=None,
            workers=1,
            progress=None,
        )

    with _held_run(db_container, _library(tmp_path, audio)):
        result = _in_a_thread(second_run)
    assert result[0].duplicates + result[0].imported == 1 and result[0].failed == [], result[0]
    with db_container.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Track)) == 2
