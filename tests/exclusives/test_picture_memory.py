"""Pictures are decoded a few at a time (session 18's leftover: a 40-megapixel PNG takes ~380 MB while it is
decoded and resized, and a label sending a gallery's pictures in parallel had them all in memory at once)."""

import io
import threading
import time
from pathlib import Path

import pytest
from PIL import Image

from encore.exclusives import _images
from encore.ingest import _artwork
from encore.kernel import pictures
from encore.kernel.pictures import DECODING_AT_ONCE
from encore.storage import MediaStore


def _png(shade: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (shade, 0, 0)).save(out, "PNG")
    return out.getvalue()


class _Overlap:
    """Wraps the decoder: how many pictures were being decoded at once, at most. Each decode waits (up to 10 s)
    until as many as the slot allows are in, so a slow machine cannot make the count look low."""

    def __init__(self, decode: object, total: int) -> None:
        self.decode, self.now, self.most, self.left = decode, 0, 0, total  # left: decodes not yet finished
        self.changed = threading.Condition()

    def __call__(self, img: Image.Image) -> Image.Image:
        with self.changed:
            self.now += 1
            self.most = max(self.most, self.now)
            self.changed.notify_all()
            self.changed.wait_for(lambda: self.now >= min(DECODING_AT_ONCE, self.left), timeout=10)
        time.sleep(0.05)  # the others arrive meanwhile: without the slot, more than its number are counted
        with self.changed:
            self.now -= 1
            self.left -= 1
            self.changed.notify_all()
        return self.decode(img)  # type: ignore[operator]


def _all_at_once(work: list[threading.Thread]) -> None:
    for t in work:
        t.start()
    for t in work:
        t.join(timeout=30)


def test_gallery_pictures_sent_together_are_decoded_a_few_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    overlap = _Overlap(pictures.upright_rgb, total=6)
    monkeypatch.setattr(pictures, "upright_rgb", overlap)
    store = MediaStore(tmp_path)
    keys: list[str] = []
    work = [
        threading.Thread(target=lambda n=n: keys.append(_images.store_image(data=_png(n), store=store)))
        for n in range(6)
    ]
    _all_at_once(work)
    assert len(keys) == 6  # every picture stored: the others waited, none was refused
    assert overlap.most == DECODING_AT_ONCE


def test_covers_of_parallel_ingests_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    overlap = _Overlap(pictures.upright_rgb, total=5)
    monkeypatch.setattr(pictures, "upright_rgb", overlap)
    done: list[object] = []
    work = [
        threading.Thread(target=lambda n=n: done.append(_artwork.render_artwork(_png(n), tmp_path, f"c{n}")))
        for n in range(5)
    ]
    _all_at_once(work)
    assert len(done) == 5
    assert overlap.most == DECODING_AT_ONCE
