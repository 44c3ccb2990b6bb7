"""Review31c M3: a file's tags could carry a tower of accents. The cap of 8 combining marks on one letter
(`kernel.MAX_STACKED_MARKS`) held for display names, playlist names and label edits, but `encore ingest` stored a
title of "a" and 99 stacked accents as it came, drawn over the rows around it wherever the track was listed. The
ingest keeps such a file and its tags, with the marks beyond the cap dropped, on SQLite and PostgreSQL."""

from pathlib import Path

from sqlalchemy import select

from encore.bootstrap import Container
from encore.catalog import Album, Artist, Label, Track
from encore.ingest._tags import read_tags
from encore.kernel import MAX_STACKED_MARKS, stacked_marks
from tests.ingest import corpus as c
from tests.ingest.conftest import ingest

TOWER = "\u0301\u0308" * 49 + "\u0301"  # 99 marks
KEPT = "\u0301\u0308" * 4  # the first 8


def test_tags_with_99_stacked_marks_are_stored_with_8(db_container: Container, tmp_path: Path) -> None:
    folder = tmp_path / "z"
    folder.mkdir()
    flac = c.write_flac(folder / "z.flac", c.tone(1.5, 440), title=f"Za{TOWER}lgo", artist=f"Ni{TOWER}na",
                        album=f"To{TOWER}wer", label=f"Hi{TOWER}gh Records")  # fmt: skip
    tags = read_tags(flac)
    assert (tags.title, tags.album, tags.label) == (f"Za{KEPT}lgo", f"To{KEPT}wer", f"Hi{KEPT}gh Records")
    assert tags.artists == [f"Ni{KEPT}na"]
    summary = ingest(db_container, folder)
    assert summary.imported == 1 and not summary.failed
    with db_container.sessions() as s:
        shown = [
            s.scalars(select(Track.title)).one(),
            s.scalars(select(Artist.name)).one(),
            s.scalars(select(Album.title)).one(),
            s.scalars(select(Label.name)).one(),
        ]
    assert shown == [f"Za{KEPT}lgo", f"Ni{KEPT}na", f"To{KEPT}wer", f"Hi{KEPT}gh Records"]
    assert all(stacked_marks(name) == MAX_STACKED_MARKS for name in shown)
