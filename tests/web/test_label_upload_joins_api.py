"""Files a label uploads together land in one draft (session 23 dropped a browser test whose two untagged files
split over two drafts): the draft an upload joins is found by the release's name, and once a draft of that name
was published, the next one of that name is found the same way, however the uploads arrive (one after another,
or at once over a real server)."""

import io
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.ingest import corpus as c
from tests.support.live import serve
from tests.web.test_label_drafts_api import Desk, desk

__all__ = ["desk"]


@pytest.fixture(scope="module")
def wavs(tmp_path_factory: pytest.TempPathFactory) -> list[bytes]:
    d = tmp_path_factory.mktemp("joins")
    return [c.write_wav(d / f"{i}.wav", c.tone(1.0, 350 + 60 * i, seed=40 + i)).read_bytes() for i in range(6)]


def _upload(desk: Desk, name: str, data: bytes) -> list[str]:
    r = desk.client.post(f"{desk.base}/uploads", files={"file": (name, io.BytesIO(data))}, headers=desk.ours)
    assert r.status_code == 200 and r.json()["imported"] == 1, r.text
    return list(r.json()["releases"])


def _publish(desk: Desk, album_id: str, title: str) -> None:
    form = {"title": title, "artists": ["Lamp Choir"], "release_date": "2026-11-20"}
    assert desk.save(album_id, form).status_code == 200  # type: ignore[attr-defined]
    r = desk.act(album_id, "publish")
    assert r.status_code == 200, r.text  # type: ignore[attr-defined]


def _discs(desk: Desk, album_id: str) -> dict[str, tuple[int, int]]:
    tracks = desk.release(album_id)["tracks"]
    return {t["title"]: (t["disc_number"], t["track_number"]) for t in tracks}  # type: ignore[attr-defined]


def test_untagged_files_after_a_published_release_of_that_name_join_one_draft(desk: Desk, wavs: list[bytes]) -> None:
    """Every untagged upload is "Unknown Album": once the first such draft was published, each later file made a
    draft of its own (a fresh random key per file), so a two-disc release's two files landed in two drafts."""
    (first,) = _upload(desk, "Dawn.wav", wavs[0])
    _publish(desk, first, "Two Lights")
    (sides,) = _upload(desk, "01 Side.wav", wavs[1])
    assert _upload(desk, "01 Other.wav", wavs[2]) == [sides]
    assert sides != first and desk.release(sides)["status"] == "draft"
    assert _discs(desk, sides) == {"Side": (1, 1), "Other": (1, 1)}
    other = next(t["id"] for t in desk.release(sides)["tracks"] if t["title"] == "Other")  # type: ignore[attr-defined]
    assert desk.save(sides, {"tracks": [{"id": other, "disc_number": 2}]}).status_code == 200  # type: ignore[attr-defined]
    _publish(desk, sides, "Two Sides")
    assert _discs(desk, sides) == {"Side": (1, 1), "Other": (2, 1)}
    # a third release of that name: one new draft again, and the published ones keep their tracks
    (third,) = _upload(desk, "01 Again.wav", wavs[3])
    assert _upload(desk, "02 More.wav", wavs[4]) == [third]
    assert third not in (first, sides) and len(desk.release(first)["tracks"]) == 1  # type: ignore[arg-type]


def test_uploads_sent_at_once_join_one_draft(desk: Desk, wavs: list[bytes]) -> None:
    """Four uploads at once (an account's upload slots) over a real server, after a release of their name (an
    untagged one's "Unknown Album") was published: one new draft holds all four."""
    (first,) = _upload(desk, "Dawn.wav", wavs[0])
    _publish(desk, first, "Two Lights")
    with serve(desk.container) as live:
        url = live.base_url + f"{desk.base}/uploads"

        def send(i: int) -> list[str]:
            files = {"file": (f"0{i} Song {i}.wav", io.BytesIO(wavs[i]))}
            r = httpx.post(url, files=files, headers={**desk.ours, "X-Encore-CSRF": "1"}, timeout=120)
            assert r.status_code == 200 and r.json()["imported"] == 1, r.text
            return list(r.json()["releases"])

        with ThreadPoolExecutor(4) as pool:
            joined = list(pool.map(send, range(1, 5)))
    assert len({tuple(j) for j in joined}) == 1 and joined[0] != [first], joined
    assert sorted(_discs(desk, joined[0][0]).values()) == [(1, 1), (1, 2), (1, 3), (1, 4)]
