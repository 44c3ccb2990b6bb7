"""Hole 1 (#15): a file that makes FFmpeg open *another* file is refused before anything is read.

The secret each playlist names is a FIFO with a watcher: opening a FIFO for writing without blocking
succeeds only while someone has it open for reading, so the watcher knows if FFmpeg ever followed
the path (it then feeds it a real MP3, as the other label's master would have been).
"""

import io
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import func, select

from encore.bootstrap import Container
from encore.catalog import Track
from encore.ingest import ingest_upload
from encore.storage import accepted_demuxer
from tests.ingest import corpus as c
from tests.ingest.conftest import ingest


@dataclass
class Secret:
    path: Path
    audio: bytes
    opened: threading.Event = field(default_factory=threading.Event)
    stop: threading.Event = field(default_factory=threading.Event)

    def watch(self) -> None:
        while not self.stop.wait(0.005):
            try:
                fd = os.open(self.path, os.O_WRONLY | os.O_NONBLOCK)
            except OSError:
                continue  # ENXIO: nobody is reading it
            self.opened.set()
            os.set_blocking(fd, True)
            try:
                os.write(fd, self.audio)
            except OSError:
                pass
            finally:
                os.close(fd)


@pytest.fixture
def secret(tmp_path: Path) -> Iterator[Secret]:
    outside = tmp_path / "other-label"
    outside.mkdir()
    mp3 = c.write_mp3(tmp_path / "master.mp3", c.tone(2.0, 440), title="Their Master", artist="Other")
    fifo = outside / "master.mp3"
    os.mkfifo(fifo)
    found = Secret(fifo, mp3.read_bytes())
    watcher = threading.Thread(target=found.watch, daemon=True)
    watcher.start()
    yield found
    found.stop.set()
    watcher.join()


def _hls(target: Path) -> str:
    return f"#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\n{target}\n#EXT-X-ENDLIST\n"


def _ffconcat(target: Path) -> str:
    return f"ffconcat version 1.0\nfile '{target}'\n"


INDIRECT = {
    "playlist.m3u8": _hls,  # HLS naming an absolute path outside the library
    "playlist.m3u": _hls,
    "sneaky.mp3": _hls,  # an HLS playlist named like audio
    "list.ffconcat": _ffconcat,
    "relative.ffconcat": _ffconcat,  # names a path relative to the list (concat's "safe" mode allows it)
}


def _tracks(cont: Container) -> int:
    with cont.sessions() as s:
        return s.scalar(select(func.count()).select_from(Track)) or 0


@pytest.mark.parametrize("name", sorted(INDIRECT))
def test_encore_ingest_refuses_playlists_and_lists(
    db_container: Container, tmp_path: Path, secret: Secret, name: str
) -> None:
    lib = secret.path.parent.parent / "library"
    lib.mkdir()
    target = secret.path
    if name.startswith("relative"):
        (lib / "other-label").symlink_to(secret.path.parent)  # not walked (symlink), but a list can name it
        target = Path("other-label") / secret.path.name
    (lib / name).write_text(INDIRECT[name](target))
    summary = ingest(db_container, lib)
    assert summary.imported == 0
    assert [Path(p).name for p, _ in summary.failed] == [name]
    assert summary.failed[0][1].startswith("not a readable audio file")
    assert not secret.opened.is_set(), "FFmpeg followed the list to another file"
    assert _tracks(db_container) == 0


@pytest.mark.parametrize("name", ["song.m3u8", "song.mp3", "song.flac", "song.ffconcat"])
def test_upload_refuses_playlists_in_any_name(db_container: Container, secret: Secret, name: str) -> None:
    body = (_ffconcat if name.endswith("ffconcat") else _hls)(secret.path)
    summary = ingest_upload(
        data=io.BytesIO(body.encode()),
        original_name=name,
        sessions=db_container.sessions,
        store=db_container.store,
        label_override="Uploader",
        max_bytes=10_000_000,
    )
    assert summary.imported == 0 and summary.failed[0][0] == name
    # A .flac name lets the FLAC demuxer try the text (and find no packets); either way it is refused.
    assert summary.failed[0][1].startswith(("not a readable audio file", "corrupt or truncated audio"))
    assert not secret.opened.is_set(), "FFmpeg followed the playlist to another file"
    assert _tracks(db_container) == 0


def test_only_audio_demuxers_are_accepted() -> None:
    assert accepted_demuxer("mov,mp4,m4a,3gp,3g2,mj2") and accepted_demuxer("flac") and accepted_demuxer("ogg")
    for indirect in ("hls", "concat", "image2", "png_pipe", "data", "subfile", "tee", "mpegts"):
        assert not accepted_demuxer(indirect)
