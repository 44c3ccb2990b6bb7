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
from typing import Any

import pytest
from sqlalchemy import func, select

from encore.bootstrap import Container
from encore.catalog import Track
from encore.ingest import IngestSummary, ProgressSink, _commit, ingest_upload, run_ingest
from tests.ingest import corpus as c
from tests.support.races import flock_waited

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


def _run(container: Container, path: Path, progress: ProgressSink | None = None) -> IngestSummary:
    """`encore ingest`'s pipeline over `path`, one file at a time."""
    return run_ingest(
        paths=[path],
        session_factory=container.sessions,
        store=container.store,
        label_override=None,
        workers=1,
        progress=progress,
    )


@contextmanager
def _held_run(container: Container, library: Path) -> Iterator[list[IngestSummary]]:
    """`encore ingest`'s pipeline over `library` in a thread, held after its first commit while the block runs, let
    go and waited for after it: the list holds its summary then."""
    held = _StopAfterFirst()
    done: list[IngestSummary] = []

    runner = threading.Thread(target=lambda: done.append(_run(container, library, held)))
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
    That two commits of the same audio at the same moment take turns (`_commit_lock`) is the next test's."""
    audio = c.tone(1.5, 330)
    again = c.write_flac(tmp_path / "again.flac", audio, title="Same", artist="Operator", album="Big Library")

    with _held_run(db_container, _library(tmp_path, audio)):
        result = _in_a_thread(lambda: _run(db_container, again))
    assert result[0].duplicates + result[0].imported == 1 and result[0].failed == [], result[0]
    with db_container.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Track)) == 2


def test_two_commits_of_the_same_audio_at_the_same_moment_take_turns(
    db_container: Container, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`_commit_lock` (review26c L3): the first run is held inside its commit, its track row written and not yet
    committed, until the second run, with the same audio, has either read that no track holds it and gone on to
    make one (no lock: both insert, and the second fails on the audio's unique key) or is seen waiting for the
    commit lock (`/proc/locks`). With the lock it meets the first's track once that commits: one track, a duplicate."""
    audio = c.tone(1.5, 330)
    files = [c.write_flac(tmp_path / f"{n}.flac", audio, title="Same", artist="Operator") for n in ("a", "b")]
    real_save, real_place = _commit.save_track, _commit._place_files
    first_inside, second_decided = threading.Event(), threading.Event()
    lock_file = db_container.store.root / ".ingest-commit.lock"

    def save_track(*args: Any, **kwargs: Any) -> Any:
        saved = real_save(*args, **kwargs)
        if threading.current_thread().name == "first":
            first_inside.set()
            for _ in range(WAIT_S * 50):  # a bound on a hang: one of the two comes
                if second_decided.wait(0.02) or flock_waited(lock_file):
                    break
        return saved

    def place_files(*args: Any, **kwargs: Any) -> Any:
        if threading.current_thread().name == "second":
            second_decided.set()  # it found no track with this audio
        return real_place(*args, **kwargs)

    monkeypatch.setattr(_commit, "save_track", save_track)
    monkeypatch.setattr(_commit, "_place_files", place_files)
    summaries: dict[str, IngestSummary] = {}

    def run(name: str, flac: Path) -> None:
        summaries[name] = _run(db_container, flac)

    first = threading.Thread(target=run, args=("first", files[0]), name="first")
    second = threading.Thread(target=run, args=("second", files[1]), name="second")
    first.start()
    try:
        assert first_inside.wait(WAIT_S), "the first run never reached its commit"
        second.start()
    finally:
        first.join(WAIT_S)
        if second.ident is not None:
            second.join(WAIT_S)
    assert not first.is_alive() and not second.is_alive()
    assert summaries["first"].imported == 1 and summaries["first"].failed == [], summaries["first"]
    assert (summaries["second"].duplicates, summaries["second"].failed) == (1, []), summaries["second"]
    with db_container.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Track)) == 1
