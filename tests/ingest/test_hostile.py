"""Bad files get a clear per-file reason; the batch goes on; nothing partial in the rows or the store."""

import io
import os
import random
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from encore.bootstrap import Container
from encore.catalog import Album, Rendition, Track
from encore.ingest import SourceFile, display_name, ingest_upload, safe_extension
from encore.ingest._audio import DAMAGED
from encore.ingest._probe import UNREADABLE
from tests.ingest import corpus as c
from tests.ingest.conftest import ingest


def _bomb_png(width: int = 30_000, height: int = 30_000) -> bytes:
    """A tiny PNG whose header claims 900 megapixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")
    )


def _store_files(cont: Container) -> set[str]:
    return {*cont.store.iter_files("audio"), *cont.store.iter_files("art")}


def _referenced(cont: Container) -> set[str]:
    with cont.sessions() as s:
        paths = set(s.scalars(select(Rendition.media_path)))
        keys = [k for k in s.scalars(select(Album.artwork_key)) if k]
    return paths | {f"art/{k[:2]}/{k}/{size}.jpg" for k in keys for size in (640, 300, 64)}


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    lib = tmp_path / "hostile"
    lib.mkdir()
    good = c.write_flac(lib / "good.flac", c.tone(1.5, 440), title="Good", artist="Fine")
    (lib / "empty.flac").write_bytes(b"")
    data = good.read_bytes()
    (lib / "truncated.flac").write_bytes(data[: len(data) * 3 // 10])
    mp3 = c.write_mp3(lib / "full.mp3", c.tone(3.0, 500), title="Full", artist="Fine")
    (lib / "truncated.mp3").write_bytes(mp3.read_bytes()[: mp3.stat().st_size * 3 // 10])
    mp3.unlink()
    (lib / "random.mp3").write_bytes(random.Random(54).randbytes(50_000))  # seeded: the same bytes every run
    (lib / "notes.mp3").write_text("this is not music\n" * 100)
    buf = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buf, "PNG")
    (lib / "picture.flac").write_bytes(buf.getvalue())
    c.write_wav(lib / "really-a-wav.txt", c.tone(1.5, 600))
    (lib / "cover.png").write_bytes(_bomb_png())  # images beside audio are never candidates
    (lib / ".hidden.flac").write_bytes(b"not even looked at")
    os.mkfifo(lib / "pipe.flac")  # opening a FIFO would hang the run: only regular files are read
    os.symlink(good, lib / "link.flac")  # symlinks are not followed
    c.write_flac(
        lib / "huge-tags.flac", c.tone(1.5, 700), title="T" * 5_000_000, artist=[f"A{i}" for i in range(10_000)]
    )
    c.write_flac(lib / "control.flac", c.tone(1.5, 800), title="Bad\x00Title\x1b[31m", artist="Ctl\x07")
    bomb = c.write_flac(lib / "bomb-cover.flac", c.tone(1.5, 900), title="Bomb", artist="Boom")
    c.add_flac_picture(bomb, _bomb_png(), mime="image/png")
    return lib


def test_hostile_corpus(db_container: Container, hostile: Path) -> None:
    summary = ingest(db_container, hostile, workers=2)
    reasons = {Path(p).name: r for p, r in summary.failed}
    assert set(reasons) == {"empty.flac", "truncated.flac", "truncated.mp3", "random.mp3", "notes.mp3", "picture.flac"}
    assert reasons["empty.flac"] == "file is empty"
    assert reasons["truncated.mp3"].startswith("corrupt or truncated audio")
    assert reasons["truncated.flac"].startswith("corrupt or truncated audio")
    assert reasons["notes.mp3"].startswith("not a readable audio file")
    # the decoder's own words ("[Errno 1094995529] Invalid data found...") stay in the log (probe24b F7)
    assert reasons["truncated.flac"] == DAMAGED and reasons["notes.mp3"] == UNREADABLE
    assert not any("Errno" in r or "Invalid data" in r for r in reasons.values()), reasons
    # Noise may even sniff as some container; whichever, the reason says plainly it is not audio.
    assert reasons["random.mp3"].startswith(
        ("not a readable audio file", "corrupt or truncated audio", "no audio stream")
    )
    assert "no audio stream" in reasons["picture.flac"] or "not a readable audio file" in reasons["picture.flac"]
    assert summary.imported == 5  # good, the wav in disguise, huge tags, control chars, bomb cover (without art)
    with db_container.sessions() as s:
        titles = set(s.scalars(select(Track.title)))
        assert "Good" in titles and "really-a-wav" in titles and "Bomb" in titles
        huge = s.scalar(select(Track).where(Track.title.startswith("TTT")))
        assert huge is not None and len(huge.title) <= 300 and len(huge.artists) <= 20
        assert "BadTitle[31m" in titles  # control characters stripped
        bomb = s.scalar(select(Track).where(Track.title == "Bomb"))
        assert bomb is not None and bomb.album.artwork_key is None
        failed = s.scalar(select(func.count()).select_from(SourceFile).where(SourceFile.status == "failed"))
        assert failed == 6
    assert any("too large to decode safely" in w for _, w in summary.warnings)  # probe25b L1: plain words
    assert _store_files(db_container) == _referenced(db_container)  # no orphans, nothing partial
    assert not any(db_container.store.tmp_dir.iterdir())


def test_crash_between_files_and_rows_leaves_nothing_and_next_run_finishes(
    db_container: Container, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lib = tmp_path / "lib"
    lib.mkdir()
    for i in range(2):
        c.write_flac(lib / f"{i}.flac", c.tone(1.5, 400 + 50 * i, seed=i), title=f"S{i}", artist="A", album="B")
    from encore.ingest import _commit

    original = _commit.save_track

    def crash(*args: object, **kwargs: object) -> object:
        raise KeyboardInterrupt  # as if Ctrl-C arrived after the files were renamed into the store

    monkeypatch.setattr(_commit, "save_track", crash)
    with pytest.raises(KeyboardInterrupt):
        ingest(db_container, lib)
    with db_container.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Track)) == 0
    assert _store_files(db_container)  # the orphans a crash leaves
    monkeypatch.setattr(_commit, "save_track", original)
    assert ingest(db_container, lib).imported == 2
    assert _store_files(db_container) == _referenced(db_container)


@pytest.mark.parametrize(
    "name", ["../../etc/passwd.flac", "/abs/path/x.flac", "a\\..\\b.flac", "x\x00y.flac", "..", ""]
)
def test_upload_names_never_become_paths(db_container: Container, tmp_path: Path, name: str) -> None:
    source = c.write_flac(tmp_path / "up.flac", c.tone(1.5, 440), title="Uploaded", artist="U")
    with source.open("rb") as fh:
        summary = ingest_upload(
            data=fh,
            original_name=name,
            sessions=db_container.sessions,
            store=db_container.store,
            label_override=None,
            max_bytes=10_000_000,
        )
    assert summary.imported == 1 and not summary.failed
    root = db_container.store.root
    for found in root.rglob("*"):
        assert found.resolve().is_relative_to(root)
    assert not (root / "uploads").exists() or not any((root / "uploads").iterdir())
    assert _store_files(db_container) == _referenced(db_container)
    assert "/" not in safe_extension(name) and "\x00" not in safe_extension(name)


def test_upload_without_tags_takes_its_title_from_the_sanitised_name(db_container: Container, tmp_path: Path) -> None:
    source = c.write_wav(tmp_path / "up.wav", c.tone(1.5, 440))
    with source.open("rb") as fh:
        summary = ingest_upload(
            data=fh,
            original_name="..\\evil/../My Song\x00.wav",
            sessions=db_container.sessions,
            store=db_container.store,
            label_override="Upload Label",
            max_bytes=10_000_000,
        )
    assert summary.imported == 1
    with db_container.sessions() as s:
        track = s.scalar(select(Track))
        assert track is not None and track.title == "My Song"
        assert track.album.title == "Unknown Album" and track.album.label is not None
        assert track.album.label.name == "Upload Label"
        assert s.scalar(select(func.count()).select_from(SourceFile)) == 0  # the temp upload left no row


def test_failed_upload_reports_the_display_name_only(db_container: Container, tmp_path: Path) -> None:
    summary = ingest_upload(
        data=io.BytesIO(b"hello, not audio"),
        original_name="/etc/../../x\x00y.mp3",
        sessions=db_container.sessions,
        store=db_container.store,
        label_override=None,
        max_bytes=10_000_000,
    )
    assert summary.failed == [("xy.mp3", summary.failed[0][1])]
    assert summary.failed[0][1].startswith("not a readable audio file")
    assert display_name("..") == "upload" and display_name("a\\b\\c.flac") == "c.flac"


LONG = "x" * 300


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("listens-" + LONG + ".jsonl", ("listens-" + LONG)[:194] + ".jsonl"),  # review23 F7: the suffix stays
        (LONG + ".jsonl \x00", LONG[:194] + ".jsonl"),
        ("a." + LONG, ("a." + LONG)[:200]),  # a suffix of 300 characters is cut with the rest
        (LONG + "." + "1" * 11, (LONG + ".")[:200]),  # too long to keep
        (LONG + ".j\u00e9", LONG[:200]),  # not plain
        ("dir/" * 100 + "x.mp3", "x.mp3"),  # the last part of a long path, not of its first 300 characters
        ("x" * 195 + ".jsonl", "x" * 194 + ".jsonl"),  # 201 characters
        ("x" * 194 + ".jsonl", "x" * 194 + ".jsonl"),  # 200: kept whole
    ],
)
def test_a_long_name_is_cut_in_its_stem_and_keeps_a_plain_suffix(name: str, shown: str) -> None:
    assert display_name(name) == shown and len(shown) <= 200


def test_a_failed_upload_with_a_long_name_reports_its_suffix(db_container: Container) -> None:
    summary = ingest_upload(
        data=io.BytesIO(b"hello, not audio"),
        original_name="/music/" + "Long Song " * 30 + ".mp3",
        sessions=db_container.sessions,
        store=db_container.store,
        label_override="Upload Label",
        max_bytes=10_000_000,
    )
    assert summary.failed == [(("Long Song " * 30)[:196] + ".mp3", summary.failed[0][1])]
    assert safe_extension("Long Song " * 30 + ".mp3") == ".mp3"


def test_oversized_upload_is_refused(db_container: Container, tmp_path: Path) -> None:
    source = c.write_flac(tmp_path / "up.flac", c.tone(1.5, 440), title="Big", artist="U")
    with source.open("rb") as fh:
        summary = ingest_upload(
            data=fh,
            original_name="big.flac",
            sessions=db_container.sessions,
            store=db_container.store,
            label_override=None,
            max_bytes=1000,
        )
    assert summary.imported == 0 and "larger than" in summary.failed[0][1]
    with db_container.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Track)) == 0


def test_a_label_upload_cannot_take_over_another_labels_album(db_container: Container, tmp_path: Path) -> None:
    """Label Alpha uploads a file tagged with label Beta's artist and album title: the upload is refused with
    its reason (#15 hole 10: crediting another label's artist), and Beta's album, its tracks, artwork and
    label stay Beta's (and so do its royalties)."""
    beta = c.write_flac(tmp_path / "b.flac", c.tone(1.5, 440), title="Beta Song", artist="Beta Artist", album="Beta LP")
    evil = c.write_flac(tmp_path / "a.flac", c.tone(1.5, 660), title="Evil", artist="Beta Artist", album="Beta LP")
    failures = []
    for path, label in ((beta, "Beta Records"), (evil, "Alpha Records"), (beta, "Beta Records")):
        with path.open("rb") as fh:
            summary = ingest_upload(
                data=fh,
                original_name=path.name,
                sessions=db_container.sessions,
                store=db_container.store,
                label_override=label,
                max_bytes=10_000_000,
            )
        failures += [(path.name, reason) for _, reason in summary.failed]
    assert [(n, "another label's" in r) for n, r in failures] == [("a.flac", True)]
    with db_container.sessions() as s:
        by_title = {t.title: t for t in s.scalars(select(Track))}
        assert "Evil" not in by_title
        beta_album = by_title["Beta Song"].album
        assert beta_album.label is not None and beta_album.label.name == "Beta Records"
        assert [t.title for t in s.scalars(select(Track).where(Track.album_id == beta_album.id))] == ["Beta Song"]
