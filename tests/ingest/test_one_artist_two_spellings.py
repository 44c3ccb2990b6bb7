"""Two spellings of one artist's name (case, accents, spacing) are one artist, credited once (probe25a M3): the names
were deduped as typed, `upsert_artist` folds them by `identity_key`, and the second credit of the same artist broke
the credits' unique key. An upload failed with SQL text shown to the label; `encore ingest` too. And whatever fails
unexpectedly, the reason an uploader reads is a sentence; the exception's text goes to the server's log."""

import io
import logging
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from encore.bootstrap import Container
from encore.catalog import Album, AlbumArtist, Artist, Track, TrackArtist, TrackFacts, save_track
from encore.db import transaction
from encore.ingest import _analyze, _commit, ingest_upload
from tests.catalog import factories as f
from tests.ingest import corpus as c
from tests.ingest.conftest import ingest


def _credits(container: Container) -> tuple[list[str], list[tuple[str, str]]]:
    with container.sessions() as s:
        album = [n for (n,) in s.execute(select(Artist.name).join(AlbumArtist).order_by(AlbumArtist.position))]
        track = s.execute(select(Artist.name, TrackArtist.role).join(TrackArtist).order_by(TrackArtist.position))
        return album, [(n, r) for n, r in track]


def _upload(container: Container, path: Path, *, label: str | None, draft: bool) -> tuple[int, list[str]]:
    summary = ingest_upload(
        data=io.BytesIO(path.read_bytes()), original_name=path.name, sessions=container.sessions,
        store=container.store, label_override=label, max_bytes=10**8, draft=draft,
    )  # fmt: skip
    return summary.imported, [reason for _, reason in summary.failed]


def test_a_labels_upload_naming_one_artist_twice_imports_with_one_credit(
    db_container: Container, tmp_path: Path
) -> None:
    path = c.write_flac(tmp_path / "dup.flac", c.tone(1.2, 440), title="Twice", album="Echoes",
                        artist=["Dup Artist", "DUP ARTIST"], albumartist=["Dup Artist", "dup  artist"])  # fmt: skip
    assert _upload(db_container, path, label="Little Fox Records", draft=True) == (1, [])
    assert _credits(db_container) == (["Dup Artist"], [("Dup Artist", "primary")])


def test_an_operators_ingest_naming_one_artist_twice_imports_with_one_credit(
    db_container: Container, tmp_path: Path
) -> None:
    (tmp_path / "lib").mkdir()
    c.write_flac(tmp_path / "lib" / "a.flac", c.tone(1.2, 523), title="Twice", album="Echoes",
                 artist=["Zoë Kay", "Zoe  Kay", "Other"], albumartist=["Zoë Kay", "ZOË KAY"])  # fmt: skip
    summary = ingest(db_container, tmp_path / "lib")
    assert (summary.imported, summary.failed) == (1, [])
    assert _credits(db_container) == (["Zoë Kay"], [("Zoë Kay", "primary"), ("Other", "primary")])


def test_a_featured_spelling_of_a_primary_artist_is_one_primary_credit(db_container: Container) -> None:
    with transaction(db_container.sessions) as s:
        album = f.album(s, "Record", f.artist(s, "Ana"))
        facts = TrackFacts(
            title="Song", artists=["Ana"], featured=["ANA", "Bo", "bo"], duration_ms=1000, disc_number=1,
            track_number=1, explicit=False, isrc=None, genres=["Rock", "rock"], loudness_lufs=None,
            true_peak_dbtp=None, gain_db=None,
        )  # fmt: skip
        track = save_track(s, track=None, audio_hash="h" * 64, album=album, facts=facts)
        credits = [(a.artist.name, a.role) for a in track.artists]
    assert credits == [("Ana", "primary"), ("Bo", "featured")]


def test_an_unexpected_error_while_saving_reads_as_a_sentence_and_its_text_goes_to_the_log(
    db_container: Container, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    path = c.write_flac(tmp_path / "x.flac", c.tone(1.2, 660), title="X", artist="Y", album="Z")

    def broken(*args: object, **kwargs: object) -> object:  # a database error the code did not foresee
        raise IntegrityError("INSERT INTO album_artists (album_id, artist_id) VALUES (?, ?)", (1, 2),
                             Exception("UNIQUE constraint failed: album_artists.album_id"))  # fmt: skip

    monkeypatch.setattr(_commit, "save_track", broken)
    with caplog.at_level(logging.ERROR, logger="encore.ingest"):
        imported, [reason] = _upload(db_container, path, label="Little Fox Records", draft=True)
    assert imported == 0 and reason.startswith("could not save the file because of an unexpected error"), reason
    for leak in ("INSERT", "SQL", "IntegrityError", "UNIQUE", "album_artists"):
        assert leak not in reason
    assert "UNIQUE constraint failed" in caplog.text  # the detail is the operator's, in the log
    with db_container.sessions() as s:
        assert s.scalar(select(Track.id)) is None and s.scalar(select(Album.id)) is None


def test_an_unexpected_error_while_reading_reads_as_a_sentence_and_its_text_goes_to_the_log(
    db_container: Container, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    path = c.write_flac(tmp_path / "x.flac", c.tone(1.2, 770), title="X", artist="Y", album="Z")

    def broken(*args: object, **kwargs: object) -> object:
        raise ValueError("mutagen said: bad frame at offset 0x2f in /srv/encore/.uploads/ab12/upload.flac")

    monkeypatch.setattr(_analyze, "read_tags", broken)
    with caplog.at_level(logging.ERROR, logger="encore.ingest"):
        summary = ingest(db_container, path)  # analysed in this process (an upload's runs in a child)
    imported, [(_, reason)] = summary.imported, summary.failed
    assert imported == 0 and reason.startswith("the file could not be read because of an unexpected error"), reason
    assert "ValueError" not in reason and "/srv/" not in reason and "0x2f" not in reason
    assert "ValueError: mutagen said: bad frame" in caplog.text
