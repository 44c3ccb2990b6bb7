"""The one rule for uploaded pictures (probe18 F3): JPEG, PNG or WebP, at most MAX_PIXELS, each refusal in words
that name the format or the limit."""

import io
import struct
import zlib

import pytest
from PIL import Image

from encore.kernel import PICTURE_UNREADABLE, inspect_picture, picture_refusal
from encore.kernel.pictures import MAX_PIXELS

LIMIT = "an image can be at most 40 megapixels (6,324 × 6,324, for example)."


def _image(fmt: str, size: tuple[int, int] = (40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(out, fmt)
    return out.getvalue()


def _claims(width: int, height: int) -> bytes:
    """A small PNG whose header claims `width` x `height`."""
    png = bytearray(_image("PNG", (8, 8)))
    png[16:24] = struct.pack(">II", width, height)
    png[29:33] = struct.pack(">I", zlib.crc32(bytes(png[12:29])))
    return bytes(png)


def test_the_rule() -> None:
    assert MAX_PIXELS == 40_000_000
    assert picture_refusal("JPEG", 6_324, 6_324) is None
    assert picture_refusal("MPO", 3_000, 3_000) is None  # a camera's JPEG
    big = picture_refusal("JPEG", 9_500, 9_500)
    assert big is not None and big.code == "image_bomb"
    assert big.message == f"That image is 9,500 × 9,500 pixels (90 megapixels); {LIMIT}"
    gif = picture_refusal("GIF", 10, 10)
    assert gif is not None and gif.code == "not_an_image"
    assert gif.message == "That file is a GIF image: send a JPEG, PNG or WebP."


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_the_three_formats_are_taken(fmt: str) -> None:
    assert inspect_picture(_image(fmt)) is None


@pytest.mark.parametrize("fmt", ["GIF", "BMP", "TIFF"])
def test_other_formats_are_named_and_refused(fmt: str) -> None:
    refused = inspect_picture(_image(fmt))
    assert refused is not None and refused.message == f"That file is a {fmt} image: send a JPEG, PNG or WebP."


def test_sizes_are_said_with_the_limit() -> None:
    over = inspect_picture(_claims(7_000, 7_000))  # past the limit, under Pillow's own guard
    assert over is not None and over.message == f"That image is 7,000 × 7,000 pixels (49 megapixels); {LIMIT}"
    bomb = inspect_picture(_claims(30_000, 30_000))  # past Pillow's hard limit: it will not even open it
    assert bomb is not None and bomb.code == "image_bomb"
    assert bomb.message == f"That image is over 179 megapixels; {LIMIT}"


def test_what_is_not_a_picture() -> None:
    for data in (b"%PDF-1.4", b"", b"\xff\xd8\xff\xe0" + bytes(64)):
        refused = inspect_picture(data)
        assert refused is not None and refused.message == PICTURE_UNREADABLE
