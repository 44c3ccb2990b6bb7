"""fix30a (review29c L1): a cover a label chose in its portal is its release's cover until the label changes it. An
operator's re-ingest of the release's files with other embedded art (or a new file joining it) replaced it silently
and left the old picture's files for a store-wide sweep. Now the label's cover stays with its files, and the file's
unused art leaves no files behind. A release with no label cover still takes a file's new art, and the art it
replaces goes at commit, a new file's too."""

import io
from pathlib import Path

from PIL import Image
from sqlalchemy import select

from encore import labels
from encore.bootstrap import Container
from encore.catalog import Album, Label
from encore.db import transaction
from encore.ingest import drop_replaced_cover, placed_cover
from tests.ingest import corpus as c
from tests.ingest.conftest import ingest
from tests.ingest.test_reingested_cover import BLUE, GREEN, RED, _art, _picture, _stored

YELLOW = (230, 220, 0)


def _png(colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (80, 80), colour).save(out, "PNG")
    return out.getvalue()


def _label_uploads_cover(container: Container, colour: tuple[int, int, int]) -> str:
    """What `PUT /label/{id}/releases/{album}/cover` does: placed and named under the commit lock, old one let go."""
    with container.sessions() as s:
        label_id, album_id = s.execute(select(Label.id, Album.public_id).join(Album, Album.label_id == Label.id)).one()
    with container.store.writing():
        with placed_cover(data=_png(colour), store=container.store) as key, transaction(container.sessions) as s:
            _, replaced = labels.set_cover(s, label_id=label_id, album_id=album_id, artwork_key=key)
        if replaced is not None and replaced != key:
            drop_replaced_cover(container.sessions, container.store, key=replaced)
    return key


def _art_keys_stored(container: Container) -> set[str]:
    return {p.parent.name for p in (container.store.root / "art").glob("*/*/*.jpg")}


def test_an_operators_reingest_keeps_the_cover_the_label_chose(db_container: Container, tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    lib.mkdir()
    one = c.write_flac(lib / "one.flac", c.tone(1.0, 440), title="Tide", artist="Mara", album="Shore")
    _picture(one, RED)
    assert ingest(db_container, lib, label="Harbour").imported == 1
    red = _art(db_container)["Shore"]
    chosen = _label_uploads_cover(db_container, YELLOW)
    assert _art(db_container) == {"Shore": chosen} and _stored(db_container, red) == [False] * 3

    _picture(one, BLUE)  # the operator re-ingests the album's file, which now carries other art
    assert ingest(db_container, lib).updated == 1
    assert _art(db_container) == {"Shore": chosen}, "the re-ingested file's art replaced the label's cover"
    assert _art_keys_stored(db_container) == {chosen}, "the file's unused art was left in the store"
    two = c.write_flac(lib / "two.flac", c.tone(1.0, 550), title="Rock", artist="Mara", album="Shore")
    _picture(two, GREEN)  # and a new file of the album, with art of its own
    assert ingest(db_container, lib).imported == 1
    assert _art(db_container) == {"Shore": chosen}, "a file's embedded art replaced the label's cover"
    assert _stored(db_container, chosen) == [True] * 3
    assert _art_keys_stored(db_container) == {chosen}, "the files' unused art was left in the store"

    replaced = _label_uploads_cover(db_container, RED)  # the label changes it: its choice again
    assert _art(db_container) == {"Shore": replaced} and _art_keys_stored(db_container) == {replaced}


def test_a_release_without_a_label_cover_takes_a_new_files_art_and_lets_the_old_go(
    db_container: Container, tmp_path: Path
) -> None:
    lib = tmp_path / "lib"
    lib.mkdir()
    one = c.write_flac(lib / "one.flac", c.tone(1.0, 440), title="Tide", artist="Mara", album="Shore")
    _picture(one, RED)
    assert ingest(db_container, lib, label="Harbour").imported == 1  # a label's release, its cover from the file
    red = _art(db_container)["Shore"]
    two = c.write_flac(lib / "two.flac", c.tone(1.0, 550), title="Rock", artist="Mara", album="Shore")
    _picture(two, BLUE)
    assert ingest(db_container, lib).imported == 1
    blue = _art(db_container)["Shore"]
    assert blue not in (None, red) and _stored(db_container, blue) == [True] * 3
    assert _art_keys_stored(db_container) == {blue}, "the album's old art waited for a sweep (review29c L1)"
