"""Second runs do no work, changed files update in place, the same audio twice is one track."""

import os
import shutil
from pathlib import Path

from mutagen.flac import FLAC
from sqlalchemy import func, select

from encore.bootstrap import Container
from encore.catalog import Rendition, Track
from encore.ingest import SourceFile
from tests.ingest import corpus as c
from tests.ingest.conftest import ingest


def _library(tmp_path: Path) -> Path:
    lib = tmp_path / "lib"
    lib.mkdir()
    for i in range(3):
        c.write_flac(
            lib / f"{i}.flac", c.tone(1.5, 300 + 100 * i, seed=i), title=f"Song {i}", artist="Band", album="LP"
        )
    return lib


def _rendition_mtimes(cont: Container) -> dict[str, int]:
    with cont.sessions() as s:
        return {p: cont.store.resolve(p).stat().st_mtime_ns for p in s.scalars(select(Rendition.media_path))}


def test_a_file_that_failed_is_still_reported_while_it_is_unchanged(db_container: Container, tmp_path: Path) -> None:
    """probe21b F5: the second run counted an unchanged broken file as skipped, so only the first run said so."""
    lib = _library(tmp_path)
    (lib / "broken.mp3").write_bytes(b"junk" * 100)
    first = ingest(db_container, lib)
    assert first.imported == 3 and [name for name, _ in first.failed] == [str(lib / "broken.mp3")]
    again = ingest(db_container, lib)
    assert (again.skipped, again.failed, again.still_failing) == (3, [], first.failed)  # the same reason
    assert again.total == 4
    (lib / "broken.mp3").write_bytes(b"junk" * 101)  # changed: tried again, a failure of this run
    third = ingest(db_container, lib)
    assert [name for name, _ in third.failed] == [str(lib / "broken.mp3")] and third.still_failing == []


def test_second_run_does_no_work(db_container: Container, tmp_path: Path) -> None:
    lib = _library(tmp_path)
    assert ingest(db_container, lib).imported == 3
    before = _rendition_mtimes(db_container)
    again = ingest(db_container, lib, workers=2)
    assert (again.imported, again.updated, again.skipped, again.failed) == (0, 0, 3, [])
    assert _rendition_mtimes(db_container) == before


def test_changed_tags_update_the_same_track_without_transcoding(db_container: Container, tmp_path: Path) -> None:
    lib = _library(tmp_path)
    ingest(db_container, lib)
    with db_container.sessions() as s:
        public_id = s.scalar(select(Track.public_id).where(Track.title == "Song 1"))
    before = _rendition_mtimes(db_container)
    tags = FLAC(lib / "1.flac")
    tags["title"] = "Song One (Remastered)"
    tags.save()
    result = ingest(db_container, lib)
    assert (result.updated, result.skipped) == (1, 2)
    with db_container.sessions() as s:
        assert s.scalar(select(Track.title).where(Track.public_id == public_id)) == "Song One (Remastered)"
        assert s.scalar(select(func.count()).select_from(Track)) == 3
    assert _rendition_mtimes(db_container) == before  # same audio: nothing re-encoded


def test_changed_audio_replaces_renditions_in_place(db_container: Container, tmp_path: Path) -> None:
    lib = _library(tmp_path)
    ingest(db_container, lib)
    with db_container.sessions() as s:
        public_id = s.scalar(select(Track.public_id).where(Track.title == "Song 2"))
        old_paths = set(s.scalars(select(Rendition.media_path)))
    c.write_flac(lib / "2.flac", c.tone(2.0, 999, seed=9), title="Song 2", artist="Band", album="LP")
    assert ingest(db_container, lib).updated == 1
    with db_container.sessions() as s:
        track = s.scalar(select(Track).where(Track.public_id == public_id))
        assert track is not None and abs(track.duration_ms - 2000) < 30
        new_paths = set(s.scalars(select(Rendition.media_path)))
    gone = old_paths - new_paths
    assert len(gone) == 2
    assert not any(db_container.store.resolve(p).exists() for p in gone)


def test_same_audio_under_two_names_is_one_track(db_container: Container, tmp_path: Path) -> None:
    lib = _library(tmp_path)
    shutil.copy(lib / "0.flac", lib / "copy of 0.flac")
    tags = FLAC(lib / "copy of 0.flac")
    tags["title"] = "Retagged copy"
    tags.save()
    result = ingest(db_container, lib)
    assert (result.imported, result.duplicates) == (3, 1)
    with db_container.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Track)) == 3
        statuses = sorted(s.scalars(select(SourceFile.status)))
    assert statuses == ["duplicate", "imported", "imported", "imported"]
    assert ingest(db_container, lib).skipped == 4


def test_touching_a_file_without_changing_it_costs_no_transcode(db_container: Container, tmp_path: Path) -> None:
    lib = _library(tmp_path)
    ingest(db_container, lib)
    before = _rendition_mtimes(db_container)
    os.utime(lib / "0.flac", ns=(1, 1))
    assert ingest(db_container, lib).updated == 1
    assert _rendition_mtimes(db_container) == before


def test_touching_a_duplicate_copy_does_not_retag_the_original(db_container: Container, tmp_path: Path) -> None:
    lib = _library(tmp_path)
    shutil.copy(lib / "0.flac", lib / "zz copy.flac")
    tags = FLAC(lib / "zz copy.flac")
    tags["title"] = "Copy title"
    tags.save()
    assert ingest(db_container, lib).duplicates == 1
    os.utime(lib / "zz copy.flac", ns=(5, 5))
    again = ingest(db_container, lib)
    assert (again.duplicates, again.updated, again.skipped) == (1, 0, 3)
    with db_container.sessions() as s:
        assert "Copy title" not in set(s.scalars(select(Track.title)))


def test_a_file_that_appears_in_a_new_folder_is_scanned(db_container: Container, tmp_path: Path) -> None:
    lib = _library(tmp_path)
    ingest(db_container, lib)
    (lib / "more" / "deeper").mkdir(parents=True)
    c.write_ogg(lib / "more" / "deeper" / "new.ogg", c.tone(1.5, 910, seed=7), title="New", artist="Band")
    result = ingest(db_container, lib)
    assert (result.imported, result.skipped) == (1, 3)
