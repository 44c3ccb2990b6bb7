"""fix30a (review29c L1), through the label portal's routes: the cover a label chose (`PUT .../releases/{id}/cover`)
stays its release's cover when one more file with other embedded art joins the draft (the label's own upload, as an
operator's ingest in tests/ingest/test_label_cover_kept.py); that file's unused art leaves no files. A draft with a
file's art only takes the next file's. SQLite and PostgreSQL."""

import io
from pathlib import Path

import pytest
from PIL import Image

from tests.ingest import corpus as c
from tests.web.test_label_drafts_api import Desk, desk
from tests.web.test_replaced_cover_files import BLUE, GREEN, RED, _cover, _stored

__all__ = ["desk"]


def _with_art(path: Path, title: str, colour: tuple[int, int, int]) -> bytes:
    c.write_flac(path, c.tone(1.0, 300 + len(title) * 40), title=title, artist="Moth Choir", album="Lanterns")
    out = io.BytesIO()
    Image.new("RGB", (48, 48), colour).save(out, "JPEG")
    c.add_flac_picture(path, out.getvalue())
    return path.read_bytes()


def _art_keys(desk: Desk) -> set[str]:
    return {p.parent.name for p in (desk.container.store.root / "art").glob("*/*/*.jpg")}


@pytest.mark.parametrize("chosen", [True, False], ids=["label-cover", "file-art"])
def test_a_files_art_never_replaces_the_cover_the_label_chose(desk: Desk, tmp_path: Path, chosen: bool) -> None:
    up = desk.upload(_with_art(tmp_path / "1.flac", "Glasswing", RED))
    (album_id,) = up["releases"]  # type: ignore[misc]
    red = desk.release(album_id)["artwork"]["300"].split("/")[2]  # type: ignore[index]
    kept = _cover(desk, album_id, GREEN) if chosen else red
    desk.upload(_with_art(tmp_path / "2.flac", "Filament", BLUE))  # another file of the draft, with other art
    now = desk.release(album_id)["artwork"]["300"].split("/")[2]  # type: ignore[index]
    if chosen:
        assert now == kept, "the file's embedded art replaced the label's cover"
        assert _stored(desk, kept) == [True] * 3 and _art_keys(desk) == {kept}  # the file's art left nothing
    else:
        assert now not in (red, None) and _art_keys(desk) == {now}  # a file's art took a file's place
    assert desk.client.get(f"/art/{now}/300.jpg").status_code == 200
