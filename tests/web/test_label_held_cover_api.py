"""A cover an operator's takedown holds back, on another of the label's releases or drafts (session 24): /art/
answers 404 for it to everyone, so the portal's album JSON says `cover_held_back`, and the page shows a square
saying why in place of a broken image."""

import io

from encore import incident
from encore.db import transaction
from tests.web.test_label_drafts_api import SQLITE, Desk, _draft, _png_of, _ready, desk, flacs

__all__ = ["desk", "flacs"]


def _cover(desk: Desk, album_id: str, png: bytes) -> str:
    url = f"{desk.base}/releases/{album_id}/cover"
    r = desk.client.put(url, files={"file": ("c.png", io.BytesIO(png))}, headers=desk.ours)
    assert r.status_code == 200, r.text
    return str(r.json()["artwork"]["300"])


@SQLITE
def test_a_draft_showing_a_taken_down_cover_says_it_is_held_back(desk: Desk, flacs: dict[str, bytes]) -> None:
    taken, _ = _draft(desk, flacs)
    _ready(desk, taken)
    red = _png_of((220, 0, 0))
    art = _cover(desk, taken, red)
    assert desk.act(taken, "publish").status_code == 200  # type: ignore[attr-defined]
    with transaction(desk.container.sessions) as s:
        incident.withdraw_album(s, album_id=taken, actor_id=None, now=desk.container.clock.now(), reason="notice")
    assert desk.client.get(art).status_code == 404
    assert desk.release(taken)["cover_held_back"] is True

    (draft,) = desk.upload(flacs["two"])["releases"]  # type: ignore[misc]
    assert desk.release(draft)["cover_held_back"] is False  # no cover yet
    assert _cover(desk, draft, red) == art  # the same image: the same content key, the same URL
    assert desk.release(draft)["cover_held_back"] is True
    assert desk.client.get(art).status_code == 404  # a draft serves no held-back image
    blue = _cover(desk, draft, _png_of((0, 0, 220)))
    assert desk.release(draft)["cover_held_back"] is False and desk.client.get(blue).status_code == 200
    assert desk.release(taken)["cover_held_back"] is True
    with transaction(desk.container.sessions) as s:
        incident.restore_album(s, album_id=taken, actor_id=None, now=desk.container.clock.now())
    assert desk.release(taken)["cover_held_back"] is False and desk.client.get(art).status_code == 200
