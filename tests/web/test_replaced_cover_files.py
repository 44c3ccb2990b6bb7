"""fixmisc28 (session 27's note): a label's replaced cover left its files in the store until the store-wide sweep,
which runs only when an ingest run finds the store alone. They go when the replacement commits, unless another
release still names the same picture (a cover is named by its content)."""

import io

from tests.web.test_label_drafts_api import Desk, _draft, _png_of, desk, flacs

__all__ = ["desk", "flacs"]

RED, BLUE, GREEN = (220, 0, 0), (0, 0, 220), (0, 200, 0)


def _cover(desk: Desk, album_id: str, colour: tuple[int, int, int]) -> str:
    url = f"{desk.base}/releases/{album_id}/cover"
    r = desk.client.put(url, files={"file": ("c.png", io.BytesIO(_png_of(colour)))}, headers=desk.ours)
    assert r.status_code == 200, r.text
    key: str = r.json()["artwork"]["300"].split("/")[2]
    return key


def _stored(desk: Desk, key: str) -> list[bool]:
    return [(desk.container.store.root / "art" / key[:2] / key / f"{size}.jpg").is_file() for size in (640, 300, 64)]


def test_a_replaced_covers_files_go_when_no_release_names_them(desk: Desk, flacs: dict[str, bytes]) -> None:
    first, _ = _draft(desk, flacs)
    up = desk.upload(flacs["theirs"])  # ours too: another release of the same label
    (second,) = up["releases"]  # type: ignore[misc]
    red = _cover(desk, first, RED)
    assert _cover(desk, second, RED) == red  # one picture, one key, two releases
    blue = _cover(desk, first, BLUE)
    assert _stored(desk, red) == [True] * 3  # the second release still shows it
    assert desk.client.get(f"/art/{red}/300.jpg").status_code == 200
    green = _cover(desk, first, GREEN)
    assert _stored(desk, blue) == [False] * 3  # were kept until a sweep
    assert desk.client.get(f"/art/{blue}/300.jpg").status_code == 404
    assert _stored(desk, green) == [True] * 3 and _stored(desk, red) == [True] * 3
    assert _cover(desk, second, BLUE) != red
    assert _stored(desk, red) == [False] * 3  # its last release moved on
    assert _stored(desk, blue) == [True] * 3 and desk.client.get(f"/art/{blue}/300.jpg").status_code == 200
    assert not (desk.container.store.root / "art" / red[:2] / red).exists()  # nor is its folder left
