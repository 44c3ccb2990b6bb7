"""fix29c (session 28's note): when `encore ingest` of a changed file gave its album new art, the old picture's files
stayed in the store until the store-wide sweep, which runs only when a run finds the store alone (rarely, on a busy
server). They go when that commit lands, by the owner a label's replaced cover goes by (`drop_replaced_cover`),
unless another album still names the picture (art is named by its content)."""

import io
import os
from pathlib import Path

from mutagen.flac import FLAC
from PIL import Image
from sqlalchemy import select

from encore.bootstrap import Container
from encore.catalog import Album
from tests.ingest import corpus as c
from tests.ingest.conftest import ingest

RED, GREEN, BLUE = (220, 0, 0), (0, 200, 0), (0, 0, 220)


def _jpeg(colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 64), colour).save(out, "JPEG")
    return out.getvalue()


def _picture(path: Path, colour: tuple[int, int, int]) -> None:
    """The file's embedded cover is this colour now (a changed file: its size or mtime differs)."""
    f = FLAC(path)
    f.clear_pictures()
    f.save()
    c.add_flac_picture(path, _jpeg(colour))
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))


def _art(container: Container) -> dict[str, str | None]:
    with container.sessions() as s:
        return dict(s.execute(select(Album.title, Album.artwork_key)).all())


def _stored(container: Container, key: str | None) -> list[bool]:
    assert key is not None
    return [(container.store.root / "art" / key[:2] / key / f"{size}.jpg").is_file() for size in (640, 300, 64)]


def test_a_reingested_files_old_cover_goes_unless_another_album_names_it(
    db_container: Container, tmp_path: Path
) -> None:
    lib = tmp_path / "lib"
    lib.mkdir()
    one = c.write_flac(lib / "one.flac", c.tone(1.0, 440), title="Tide", artist="Mara", album="Shore")
    two = c.write_flac(lib / "two.flac", c.tone(1.0, 550), title="Rock", artist="Mara", album="Cliff")
    _picture(one, RED)
    _picture(two, GREEN)
    assert ingest(db_container, lib).imported == 2
    red, green = _art(db_container)["Shore"], _art(db_container)["Cliff"]
    assert red and green and red != green and _stored(db_container, red) == [True] * 3

    _picture(one, BLUE)
    assert ingest(db_container, lib).updated == 1
    blue = _art(db_container)["Shore"]
    assert blue not in (None, red) and _stored(db_container, blue) == [True] * 3
    assert _stored(db_container, red) == [False] * 3, "the old cover waited for a sweep"
    assert not (db_container.store.root / "art" / red[:2] / red).exists()  # nor is its folder left

    _picture(two, BLUE)  # the same picture: one key, two albums
    assert ingest(db_container, lib).updated == 1
    assert _art(db_container) == {"Shore": blue, "Cliff": blue}
    assert _stored(db_container, green) == [False] * 3

    _picture(one, RED)  # Shore lets go of blue, which Cliff still names
    assert ingest(db_container, lib).updated == 1
    assert _art(db_container) == {"Shore": red, "Cliff": blue}
    assert _stored(db_container, blue) == [True] * 3 and _stored(db_container, red) == [True] * 3
