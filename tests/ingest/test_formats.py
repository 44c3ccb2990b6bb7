"""Each input format imports with its tags; renditions are real Vorbis 160 and Opus; artwork and loudness."""

from pathlib import Path

import av
import pytest
from mutagen.oggopus import OggOpus
from mutagen.oggvorbis import OggVorbis
from PIL import Image
from sqlalchemy import select

from encore.bootstrap import Container
from encore.catalog import Album, Label, Rendition, Track
from encore.ingest import gain_for
from tests.ingest import corpus as c
from tests.ingest.conftest import ingest


def _cover() -> bytes:
    import io

    buf = io.BytesIO()
    Image.new("RGB", (800, 600), (200, 40, 90)).save(buf, "JPEG")
    return buf.getvalue()


@pytest.fixture
def library(tmp_path: Path) -> Path:
    lib = tmp_path / "lib"
    (lib / "flac").mkdir(parents=True)
    (lib / "mp3").mkdir()
    (lib / "other").mkdir()
    c.write_flac(
        lib / "flac" / "a.flac",
        c.tone(2.5, 440),
        title="Alpha",
        artist=["Émilie Ångström", "Bob feat. Carl"],
        album="Night Café",
        albumartist="Émilie Ångström",
        date="2024-03-05",
        isrc="GBENC2400001",
        label="Indie Co",
        encore_label_kind="indie",
        genre="Jazz",
        tracknumber="2/10",
        discnumber="1/2",
        barcode="012345678905",
        explicit="1",
    )
    c.add_flac_picture(lib / "flac" / "a.flac", _cover())
    c.write_mp3(
        lib / "mp3" / "v24.mp3",
        c.tone(2.5, 330),
        title="Beta",
        artist=["Dan", "Zoe"],
        album="Tapes",
        label="Major Co",
        encore_label_kind="major",
        track="1/3",
        genre="Rock",
        date="2019",
    )
    c.write_mp3(
        lib / "mp3" / "v23.mp3", c.tone(2.5, 350), v23=True, title="Beta 2.3", artist="Dan", album="Tapes", track="2/3"
    )
    (lib / "mp3" / "cover.jpg").write_bytes(_cover())
    c.write_ogg(
        lib / "other" / "c.ogg", c.tone(2.5, 550), title="Gamma", artist="Eve", compilation="1", album="Sampler"
    )
    c.write_m4a(
        lib / "other" / "d.m4a",
        c.tone(2.5, 660),
        title="Delta",
        artist="Fay",
        album="Mp4 Land",
        isrc="USENC1900002",
        label="Atom Records",
    )
    c.write_wav(lib / "other" / "e.wav", c.tone(2.5, 770, level=0.05))
    c.write_aiff(lib / "other" / "f.aiff", c.tone(2.5, 880, level=0.6))
    return lib


def test_every_format_imports_with_its_tags(db_container: Container, library: Path) -> None:
    summary = ingest(db_container, library, workers=2)
    assert (summary.imported, summary.failed) == (7, [])
    with db_container.sessions() as s:
        tracks = {t.title: t for t in s.scalars(select(Track)).unique()}
        assert set(tracks) == {"Alpha", "Beta", "Beta 2.3", "Gamma", "Delta", "e", "f"}
        alpha = tracks["Alpha"]
        assert [(a.artist.name, a.role) for a in alpha.artists] == [
            ("Émilie Ångström", "primary"),
            ("Bob", "primary"),
            ("Carl", "featured"),
        ]
        assert (alpha.isrc, alpha.track_number, alpha.disc_number, alpha.explicit) == ("GBENC2400001", 2, 1, True)
        assert alpha.album.title == "Night Café" and alpha.album.upc == "012345678905"
        assert str(alpha.album.release_date) == "2024-03-05"
        assert alpha.album.label is not None and (alpha.album.label.name, alpha.album.label.kind) == (
            "Indie Co",
            "indie",
        )
        assert [a.artist.name for a in tracks["Beta"].artists] == ["Dan", "Zoe"]
        assert tracks["Beta"].album.label is not None and tracks["Beta"].album.label.kind == "major"
        assert tracks["Beta 2.3"].album_id == tracks["Beta"].album_id
        assert tracks["Gamma"].album.album_type == "compilation"
        assert tracks["Gamma"].album.artists[0].artist.name == "Various Artists"
        assert tracks["Delta"].isrc == "USENC1900002"
        assert s.scalar(select(Label).where(Label.name == "Atom Records")) is not None


def test_renditions_are_vorbis_160_and_opus(db_container: Container, library: Path) -> None:
    ingest(db_container, library)
    with db_container.sessions() as s:
        rows = s.scalars(select(Rendition)).all()
    assert len(rows) == 14
    for row in rows:
        path = db_container.store.resolve(row.media_path)
        assert path.stat().st_size == row.size
        if row.kind == "vorbis160":
            info = OggVorbis(path).info
            assert (info.bitrate, info.sample_rate, info.channels) == (160_000, 44_100, 2)
            assert abs(info.length - 2.5) < 0.05
        else:
            assert row.kind == "opus96"
            opus = OggOpus(path).info
            assert opus.channels == 2 and abs(opus.length - 2.5) < 0.05
            with av.open(str(path)) as container:
                stream = container.streams.audio[0]
                assert (stream.codec_context.name, stream.sample_rate) == ("opus", 48_000)
            assert (row.codec, row.bitrate, row.sample_rate) == ("opus", 96_000, 48_000)


def test_artwork_embedded_or_from_the_folder(db_container: Container, library: Path) -> None:
    ingest(db_container, library)
    with db_container.sessions() as s:
        albums = {a.title: a for a in s.scalars(select(Album)).unique()}
    for title in ("Night Café", "Tapes"):
        key = albums[title].artwork_key
        assert key is not None
        for size in (640, 300, 64):
            with Image.open(db_container.store.root / "art" / key[:2] / key / f"{size}.jpg") as img:
                assert img.size == (size, size) and img.format == "JPEG"
    assert albums["Sampler"].artwork_key is None


def test_loudness_gain_brings_tracks_to_minus_14(db_container: Container, library: Path) -> None:
    ingest(db_container, library)
    with db_container.sessions() as s:
        quiet = s.scalar(select(Track).where(Track.title == "e"))
        loud = s.scalar(select(Track).where(Track.title == "f"))
    assert quiet is not None and loud is not None
    assert quiet.loudness_lufs is not None and loud.loudness_lufs is not None
    assert loud.loudness_lufs > quiet.loudness_lufs + 15  # 0.6 vs 0.05 amplitude is about 21.6 dB
    assert quiet.gain_db > loud.gain_db
    assert quiet.gain_db == gain_for(quiet.loudness_lufs, quiet.true_peak_dbtp)


def test_gain_policy() -> None:
    assert gain_for(-20.0, -10.0) == 6.0
    assert gain_for(-20.0, -3.0) == 2.0  # held back so the peak stays under -1 dBTP
    assert gain_for(-8.0, -0.5) == -6.0
    assert gain_for(None, None) == 0.0
