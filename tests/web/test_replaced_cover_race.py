"""fix29c (session 28's note): a replaced cover's files go when no release names its key (`drop_replaced_cover`), but
a cover is named by its content, so another upload of the very same picture for another release may have placed
those files and not yet committed the row that names them. The drop read "no release names it" and deleted them, and
that release then showed a broken cover. A cover upload now places its files and commits its row under the ingest
commit lock, which the drop reads under, so the drop runs wholly before the placing (which then places them again) or
wholly after the row (which it then sees).

The interleaving is held open, not hoped for: the second upload is stopped right after its files are placed, and let
go only when the replacing upload has finished (the old code) or is seen waiting for the commit lock (/proc/locks)."""

import io
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from encore.storage import MediaStore
from tests.support.races import flock_waited
from tests.web.test_label_drafts_api import Desk, _draft, _png_of, desk, flacs
from tests.web.test_replaced_cover_files import BLUE, RED, _stored

__all__ = ["desk", "flacs"]

WAIT_S = 120  # a bound on a hang, not an assertion of speed


def _put(desk: Desk, album_id: str, colour: tuple[int, int, int]) -> tuple[int, str]:
    url = f"{desk.base}/releases/{album_id}/cover"
    r = desk.client.put(url, files={"file": ("c.png", io.BytesIO(_png_of(colour)))}, headers=desk.ours)
    return r.status_code, r.text


def test_a_cover_placed_for_another_release_survives_the_drop_of_the_same_picture(
    desk: Desk, flacs: dict[str, bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    first, _ = _draft(desk, flacs)
    (second,) = desk.upload(flacs["theirs"])["releases"]  # type: ignore[misc]
    assert _put(desk, first, RED)[0] == 200
    red = desk.release(first)["artwork"]["300"].split("/")[2]  # type: ignore[index]
    lock = desk.container.store.root / ".ingest-commit.lock"
    real = MediaStore.commit
    placed, replaced = threading.Event(), threading.Event()
    red_files: list[str] = []

    def commit_then_hold(self: MediaStore, temp: Path, relpath: str) -> Path:
        out = real(self, temp, relpath)
        if red in relpath:  # the second release's upload of the same red picture
            red_files.append(relpath)
            if len(red_files) == 3:  # all three sizes are placed; its row is not written yet
                placed.set()
                while not replaced.wait(0.05):  # the first release's replacement ran through, or waits for the lock
                    if flock_waited(lock):
                        break
        return out

    monkeypatch.setattr(MediaStore, "commit", commit_then_hold)
    with ThreadPoolExecutor(2) as pool:
        same = pool.submit(_put, desk, second, RED)
        assert placed.wait(WAIT_S), "the second upload never placed its files"
        replacing = pool.submit(_put, desk, first, BLUE)  # red is no longer the first release's: its files may go
        replacing.add_done_callback(lambda _: replaced.set())
        assert same.result(WAIT_S)[0] == 200, same.result()
        assert replacing.result(WAIT_S)[0] == 200, replacing.result()
    monkeypatch.setattr(MediaStore, "commit", real)
    assert desk.release(second)["artwork"]["300"].split("/")[2] == red  # type: ignore[index]
    assert _stored(desk, red) == [True] * 3, "the second release names a cover whose files were deleted"
    assert desk.client.get(f"/art/{red}/300.jpg").status_code == 200
