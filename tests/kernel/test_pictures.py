"""The one rule for uploaded pictures (probe18 F3): JPEG, PNG or WebP, at most MAX_PIXELS, each refusal in words
that name the format or the limit."""

import io
import struct
import zlib
from pathlib import Path

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
    assert big.message == f"That image is 9,500 × 9,500 pixels (90.3 megapixels); {LIMIT}"
    just_over = picture_refusal("JPEG", 8_000, 5_001)  # never said as the limit itself (probe18b N1)
    assert just_over is not None and "(40.1 megapixels)" in just_over.message
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


def _grey16_png(value: int) -> bytes:
    """A 16-bit greyscale PNG of one shade (what a scanner or a photo tool may save)."""
    out = io.BytesIO()
    Image.new("I;16", (32, 32), value).save(out, "PNG")
    return out.getvalue()


def _rotated_jpeg() -> bytes:
    """A phone's photo: stored 40 wide and 20 high with its left half red, EXIF orientation 6 (turn 90° clockwise)."""
    img = Image.new("RGB", (40, 20), "blue")
    img.paste("red", (0, 0, 20, 20))
    exif = Image.Exif()
    exif[0x0112] = 6
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def test_a_16_bit_grey_picture_keeps_its_shade() -> None:
    """probe18b: Pillow's conversion clips 16-bit grey at 255, so a mid-grey cover came out white."""
    from encore.kernel import upright_rgb

    with Image.open(io.BytesIO(_grey16_png(32768))) as img:
        r, g, b = upright_rgb(img).getpixel((5, 5))  # type: ignore[misc]
    assert 120 <= r <= 135 and r == g == b


def test_covers_and_gallery_images_are_turned_as_their_exif_says(tmp_path: Path) -> None:
    """probe18b: the gallery honoured a photo's EXIF orientation, covers did not (a phone's photo lay sideways)."""
    from encore.exclusives._images import _decode
    from encore.ingest._artwork import render_artwork

    gallery = _decode(_rotated_jpeg())
    assert gallery.size == (20, 40)  # turned: now taller than wide, the red half on top
    assert gallery.getpixel((10, 5))[0] > 200 and gallery.getpixel((10, 35))[2] > 200  # type: ignore[index]
    cover = render_artwork(_rotated_jpeg(), tmp_path, "c")
    with Image.open(cover.temp_paths[640]) as square:  # fitted to a square from the upright picture's middle
        top, bottom = square.getpixel((320, 20)), square.getpixel((320, 620))
    assert top[0] > 200 > top[2] and bottom[2] > 200 > bottom[0]  # type: ignore[index]
