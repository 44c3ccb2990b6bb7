"""Each stage alone, without a database: probe, tags, transcode + loudness, artwork."""

import io
from pathlib import Path

import pytest
from mutagen.id3 import ID3
from mutagen.mp4 import MP4, MP4FreeForm
from mutagen.oggvorbis import OggVorbis
from PIL import Image

from encore.ingest import CorruptAudioError, NotAudioError, read_tags
from encore.ingest._artwork import ArtworkRejected, render_artwork
from encore.ingest._audio import transcode
from encore.ingest._probe import UNREADABLE, probe
from encore.ingest._tags import MAX_ITEMS, MAX_TEXT, clean, parse
from tests.ingest import corpus as c


def test_probe_hash_ignores_tags_and_names(tmp_path: Path) -> None:
    audio = c.tone(1.0, 440)
    one = c.write_flac(tmp_path / "one.flac", audio, title="One")
    two = c.write_flac(tmp_path / "two.bin", audio, title="A different title", artist="Someone")
    other = c.write_flac(tmp_path / "three.flac", c.tone(1.0, 441))
    assert probe(one).audio_hash == probe(two).audio_hash != probe(other).audio_hash
    assert probe(one).codec == "flac" and abs((probe(one).declared_s or 0) - 1.0) < 0.01


@pytest.mark.parametrize(
    ("content", "error", "reason"),
    [
        (b"", NotAudioError, "file is empty"),
        (b"just some text\n" * 50, NotAudioError, "not a readable audio file"),
    ],
)
def test_probe_rejects_non_audio(tmp_path: Path, content: bytes, error: type[Exception], reason: str) -> None:
    path = tmp_path / "x.mp3"
    path.write_bytes(content)
    with pytest.raises(error, match=reason):
        probe(path)


@pytest.mark.parametrize("name", ["x.flac", "x.mp3", "x.ogg", "x.wav", "x.m4a"])
def test_text_is_not_audio_whatever_its_extension(tmp_path: Path, name: str) -> None:
    """FFmpeg's FLAC demuxer takes any file named .flac: a text file so named was "corrupt or truncated audio ...
    export it again" while the same bytes named .mp3 were "not a readable audio file" (probe25a L4)."""
    path = tmp_path / name
    path.write_bytes(b"just some text\n" * 50)
    with pytest.raises(NotAudioError) as refused:
        probe(path)
    assert str(refused.value) == UNREADABLE


def test_a_flac_cut_before_its_first_frame_is_truncated_audio(tmp_path: Path) -> None:
    whole = c.write_flac(tmp_path / "whole.flac", c.tone(1.0, 440), title="Cut").read_bytes()
    end, last = 4, False  # "fLaC", then metadata blocks (1-bit last flag, 7-bit type, 24-bit length) up to audio
    while not last:
        last, end = bool(whole[end] & 0x80), end + 4 + int.from_bytes(whole[end + 1 : end + 4], "big")
    cut = tmp_path / "cut.flac"
    cut.write_bytes(whole[:end])
    with pytest.raises(CorruptAudioError, match="no audio packets"):
        probe(cut)


def test_transcode_rejects_a_cut_off_file(tmp_path: Path) -> None:
    whole = c.write_flac(tmp_path / "whole.flac", c.tone(3.0, 440)).read_bytes()
    cut = tmp_path / "cut.flac"
    cut.write_bytes(whole[: len(whole) * 3 // 10])
    found = probe(cut)  # the packets that are there demux fine; decoding shows the file is cut off
    with pytest.raises(CorruptAudioError, match="corrupt or truncated audio"):
        transcode(cut, vorbis_out=tmp_path / "v.part", opus_out=tmp_path / "o.part", declared_s=found.declared_s)


def test_transcode_writes_vorbis_160_and_measures_loudness(tmp_path: Path) -> None:
    src = c.write_wav(tmp_path / "in.wav", c.tone(2.0, 1000, level=0.5))
    result = transcode(src, vorbis_out=tmp_path / "v.ogg", opus_out=tmp_path / "o.opus", declared_s=2.0)
    info = OggVorbis(tmp_path / "v.ogg").info
    assert (info.bitrate, info.sample_rate, info.channels) == (160_000, 44_100, 2)
    assert result.loudness_lufs is not None and -15 < result.loudness_lufs < -5
    assert result.true_peak_dbtp is not None and -8 < result.true_peak_dbtp < 0
    assert abs(result.duration_ms - 2000) < 30
    assert result.vorbis.size == (tmp_path / "v.ogg").stat().st_size


def test_id3_v23_and_v24_read_alike(tmp_path: Path) -> None:
    frames = {"title": "T", "artist": ["A", "B feat. C & D"], "album": "Al", "track": "3/12", "date": "2001"}
    for version in (True, False):
        path = c.write_mp3(tmp_path / f"{version}.mp3", c.tone(1.0, 300), v23=version, **frames)
        assert ID3(path).version[1] == (3 if version else 4)
        tags = read_tags(path)
        assert (tags.title, tags.artists, tags.featured) == ("T", ["A", "B"], ["C", "D"])
        assert (tags.track, tags.release_date and tags.release_date.year) == (3, 2001)


def test_mp4_freeform_label_kind_and_explicit(tmp_path: Path) -> None:
    path = c.write_m4a(tmp_path / "x.m4a", c.tone(1.0, 300), title="M", artist="N")
    f = MP4(path)
    f["----:com.encore:LABEL_KIND"] = [MP4FreeForm(b"major")]
    f["rtng"] = [1]
    f["cpil"] = True
    f["trkn"] = [(4, 9)]
    f.save()
    tags = read_tags(path)
    assert (tags.label_kind, tags.explicit, tags.compilation, tags.track) == ("major", True, True, 4)


def test_hostile_values_are_clamped_and_validated() -> None:
    raw = {
        "title": ["x" * 100_000],
        "artist": [f"A{i}" for i in range(10_000)],
        "isrc": ["not-an-isrc"],
        "track": ["99999"],
        "date": ["0001-99-99"],
        "labelkind": ["evil"],
        "genre": ["Rock; Pop / Jazz"],
    }
    tags = parse(raw, None)
    assert tags.title is not None and len(tags.title) == MAX_TEXT
    # review32c L4: cut, and said
    assert tags.warnings == ["tags cut to their first 300 characters: its title (100,000 characters)"]
    assert parse({"title": ["short"]}, None).warnings == []
    assert len(tags.artists) == MAX_ITEMS
    assert (tags.isrc, tags.track, tags.release_date, tags.label_kind) == (None, None, None, None)
    assert tags.genres == ["Rock", "Pop", "Jazz"]
    assert clean("a\x00b\x1b[0m\x7fc") == "ab[0mc"
    assert parse({"isrc": ["us-enc-19-00002"]}, None).isrc == "USENC1900002"


def test_a_file_s_tags_beyond_what_is_read_are_reported_by_the_ingest(tmp_path: Path) -> None:
    """review32c L4: a file's 2,001st Vorbis comment on, and names over 300 characters, were dropped without a
    word; the ingest's report says so (tests/cli/test_cli.py), as it says lyrics over 256 KiB are left out."""
    path = c.write_flac(
        tmp_path / "t.flac",
        c.tone(1.0, 440),
        title="T" * 100_000,
        artist="A" * 5_000,
        comment=[f"c{i}" for i in range(2_500)],
    )
    tags = read_tags(path)
    assert tags.title == "T" * MAX_TEXT
    assert tags.warnings == [
        "tags: only the first 2,000 of its 2,502 Vorbis comments were read",
        "tags cut to their first 300 characters: its title (100,000 characters), its artist (5,000 characters)",
    ]


def test_bidi_overrides_are_stripped_from_tag_names_and_marks_kept() -> None:
    """probe24b F6: a title tagged "\u202egnp.exe Song" showed to every listener as "gnoS exe.png", found by no
    search for what they saw. The embeddings, overrides and isolates go; the marks a real RTL title uses stay."""
    raw = {
        "title": ["\u202egnp.exe Song"],
        "artist": ["Evil\u200b\u202eArtist\u202c"],
        "album": ["\u2067\u05e9\u05dc\u05d5\u05dd\u2069 \u200fLive\u200e"],
        "albumartist": ["\u202a\u202b\u202d\u2066\u2068"],  # nothing left: no album artist
    }
    tags = parse(raw, None)
    assert tags.title == "gnp.exe Song"
    assert tags.artists == ["Evil\u200bArtist"]
    assert tags.album == "\u05e9\u05dc\u05d5\u05dd \u200fLive\u200e"
    assert tags.album_artists == []


def test_artwork_is_square_at_three_sizes_and_bombs_are_refused(tmp_path: Path) -> None:
    buf = io.BytesIO()
    Image.new("RGB", (900, 500), (10, 200, 30)).save(buf, "PNG")
    files = render_artwork(buf.getvalue(), tmp_path, "cover")
    assert sorted(files.temp_paths) == [64, 300, 640]
    for size, temp in files.temp_paths.items():
        with Image.open(temp) as img:
            assert img.size == (size, size) and img.format == "JPEG"
    bomb = Image.new("L", (1, 1))
    out = io.BytesIO()
    bomb.save(out, "PNG")
    data = bytearray(out.getvalue())
    data[16:24] = (30_000).to_bytes(4, "big") * 2  # IHDR claims 30000 x 30000 (CRC now wrong, too)
    with pytest.raises(ArtworkRejected):
        render_artwork(bytes(data), tmp_path, "bomb")


def _archives(tmp_path: Path, flac: Path) -> dict[str, bytes]:
    """Real archives of one FLAC from the standard library, and the first bytes of RAR 5 and 7z (no writer here)."""
    import bz2
    import gzip
    import lzma
    import tarfile
    import zipfile

    data = flac.read_bytes()
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as z:
        z.writestr("01 Glasswing.flac", data)
    tarred = io.BytesIO()
    with tarfile.open(fileobj=tarred, mode="w", format=tarfile.USTAR_FORMAT) as t:
        t.add(flac, arcname="01.flac")
    return {
        "zip": zipped.getvalue(),
        "tar": tarred.getvalue(),
        "gzip": gzip.compress(data),
        "bzip2": bz2.compress(data),
        "xz": lzma.compress(data),
        "rar": b"Rar!\x1a\x07\x01\x00" + data,
        "7z": b"7z\xbc\xaf\x27\x1c\x00\x04" + data,
    }


def test_an_archive_is_refused_by_its_content_with_what_to_do(tmp_path: Path) -> None:
    """probe22: a zip of an album uploaded as audio got FFmpeg's "Invalid data found when processing input"."""
    flac = c.write_flac(tmp_path / "one.flac", c.tone(0.5, 440), title="One")
    for kind, data in _archives(tmp_path, flac).items():
        path = tmp_path / f"{kind}.flac"  # the name says audio: the content decides
        path.write_bytes(data)
        with pytest.raises(NotAudioError) as refused:
            probe(path)
        assert refused.value.message == (
            f"this is a {kind} archive, not an audio file: upload each track as its own audio file;"
            " archives aren't accepted"
        )
    named_zip = tmp_path / "album.zip"  # an audio file named like an archive is still audio
    named_zip.write_bytes(flac.read_bytes())
    assert probe(named_zip).codec == "flac"


def test_bzh_alone_is_not_taken_for_bzip2() -> None:
    from encore.ingest._archives import archive_kind

    assert archive_kind(b"BZh not a bzip2 stream at all") is None
    assert archive_kind(b"") is None
