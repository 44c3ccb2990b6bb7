"""Ingest reads lyrics: an .lrc sidecar first, then embedded SYLT/USLT (ID3) or LYRICS (Vorbis comments).
Bad lyrics are a warning and never stop the audio; what a label wrote by hand is never overwritten."""

import codecs
from pathlib import Path

from mutagen.id3 import ID3, SYLT, USLT
from sqlalchemy import select

from encore import lyrics
from encore.bootstrap import Container
from encore.catalog import Track
from encore.db import transaction
from encore.lyrics import Line
from tests.ingest import corpus as c
from tests.ingest.conftest import ingest

SECONDS = 1.5


def _lyrics_by_title(container: Container) -> dict[str, lyrics.Stored | None]:
    with container.sessions() as s:
        tracks = s.scalars(select(Track)).all()
        return {t.title: lyrics.lyrics_of(s, track_id=t.id) for t in tracks}


def _library(tmp_path: Path) -> Path:
    lib = tmp_path / "lib"
    lib.mkdir()
    audio = c.tone(SECONDS, 440)
    c.write_flac(lib / "side.flac", audio, title="Sidecar", artist="A", album="L")
    (lib / "side.lrc").write_bytes(codecs.BOM_UTF16_LE + "[00:00.50]Hallo Welt\n[00:01.00]Zwei".encode("utf-16-le"))
    c.write_ogg(lib / "vorbis.ogg", audio, title="Vorbis", artist="A", album="L", lyrics="[00:01.20]From a comment")
    c.write_mp3(lib / "synced.mp3", c.tone(SECONDS, 330), title="Synced", artist="A", album="L")
    tags = ID3(lib / "synced.mp3")
    tags.add(SYLT(encoding=3, lang="eng", format=2, type=1, text=[("One", 200), ("Two", 900)]))
    tags.add(USLT(encoding=3, lang="eng", desc="", text="Unsynced words lose to SYLT"))
    tags.save()
    c.write_mp3(lib / "plain.mp3", c.tone(SECONDS, 550), title="Plain", artist="A", album="L")
    tags = ID3(lib / "plain.mp3")
    tags.add(USLT(encoding=3, lang="fra", desc="", text="Des mots\nsans temps"))
    tags.save()
    c.write_flac(lib / "latin.flac", c.tone(SECONDS, 660), title="Latin", artist="A", album="L")
    (lib / "latin.lrc").write_bytes("[00:00.50]Café".encode("latin-1"))
    c.write_flac(lib / "late.flac", c.tone(SECONDS, 770), title="Late", artist="A", album="L")
    (lib / "late.lrc").write_text("[00:00.50]Fine\n[03:00.00]Long after the end\n")
    return lib


def test_sidecars_and_embedded_lyrics_are_read_and_bad_ones_only_warn(db_container: Container, tmp_path: Path) -> None:
    summary = ingest(db_container, _library(tmp_path))
    assert summary.imported == 6 and not summary.failed  # .lrc files are companions, never imported alone
    found = _lyrics_by_title(db_container)

    side = found["Sidecar"]
    assert side is not None and side.source is lyrics.Source.SIDECAR
    assert side.lyrics.lines == (Line(500, "Hallo Welt"), Line(1000, "Zwei"))
    vorbis = found["Vorbis"]
    assert vorbis is not None and vorbis.source is lyrics.Source.EMBEDDED
    assert vorbis.lyrics.lines == (Line(1200, "From a comment"),)
    synced = found["Synced"]
    assert synced is not None and synced.lyrics.synced and synced.lyrics.language == "eng"
    assert synced.lyrics.lines == (Line(200, "One"), Line(900, "Two"))
    plain = found["Plain"]
    assert plain is not None and not plain.lyrics.synced and plain.lyrics.language == "fra"
    assert [line.text for line in plain.lyrics.lines] == ["Des mots", "sans temps"]

    assert found["Latin"] is None and found["Late"] is None
    warnings = {Path(path).name: w for path, w in summary.warnings}
    assert "not UTF-8" in warnings["latin.flac"] and "latin.lrc" in warnings["latin.flac"]
    assert "after the track ends" in warnings["late.flac"]


def test_a_labels_own_lyrics_survive_a_re_ingest(db_container: Container, tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    lib.mkdir()
    song = c.write_flac(lib / "song.flac", c.tone(SECONDS, 440), title="Song", artist="A", album="L")
    (lib / "song.lrc").write_text("[00:00.50]From the file\n")
    ingest(db_container, lib)
    with transaction(db_container.sessions) as s:
        track_id = s.scalars(select(Track.id)).one()
        by_hand = lyrics.parse("[00:00.70]Written by the label")
        lyrics.save_lyrics(s, track_id=track_id, lyrics=by_hand, source=lyrics.Source.LABEL)
    c.write_flac(song, c.tone(SECONDS, 445), title="Song", artist="A", album="L")  # new audio: re-imported
    (lib / "song.lrc").write_text("[00:00.90]A newer file\n")
    summary = ingest(db_container, lib)
    assert summary.updated == 1
    stored = _lyrics_by_title(db_container)["Song"]
    assert stored is not None and stored.source is lyrics.Source.LABEL
    assert stored.lyrics.lines == (Line(700, "Written by the label"),)
