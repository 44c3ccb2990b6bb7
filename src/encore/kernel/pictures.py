"""The one rule for a picture someone uploads (a release's cover, an exclusive's gallery image): its format and its
size in pixels, and the sentence that says why one is refused (probe18 F3: a 9,500 x 9,500 JPEG cover was "not an
image Encore can read", the gallery said "too large to decode" without its limit, and covers took GIF, BMP and TIFF
while their message named three formats)."""

import io
import math
import threading
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL.Image import Image

# Pillow's name -> the one people read. MPO is a camera's JPEG with a second frame (Pillow names it apart).
FORMATS = {"JPEG": "JPEG", "MPO": "JPEG", "PNG": "PNG", "WEBP": "WebP"}
# Decoded, a picture takes 3-4 bytes a pixel: 40 MP is ~160 MB at worst (PNG, WebP; a JPEG decodes at a reduced
# scale). A 6,000 x 6,000 scan passes; covers are delivered at 3,000 x 3,000; a 30,000 x 30,000 "PNG" of 100 KB is a
# bomb. Under Pillow's own guard (~89 MP), so this sentence is what a too-large picture meets.
MAX_PIXELS = 40_000_000
_SIDE = int(MAX_PIXELS**0.5)
PICTURE_UNREADABLE = "That file is not an image Encore can read (JPEG, PNG or WebP)."


@dataclass(frozen=True)
class PictureRefused:
    code: str  # "not_an_image" or "image_bomb"
    message: str


def _too_large(size: str) -> PictureRefused:
    limit = f"at most {MAX_PIXELS // 1_000_000} megapixels ({_SIDE:,} × {_SIDE:,}, for example)"
    return PictureRefused("image_bomb", f"That image is {size}; an image can be {limit}.")


def _megapixels(pixels: int) -> str:
    """Rounded up to a tenth, so a size just over the limit never reads as the limit (probe18b N1: "40 megapixels;
    an image can be at most 40 megapixels")."""
    return f"{math.ceil(pixels / 100_000) / 10:g}"


def picture_refusal(fmt: str | None, width: int, height: int) -> PictureRefused | None:
    """Why a picture of this format (Pillow's name) and size is refused, or None when it is taken."""
    if fmt not in FORMATS:
        named = f"a {fmt} image" if fmt else "not an image Encore can read"
        return PictureRefused("not_an_image", f"That file is {named}: send a JPEG, PNG or WebP.")
    if width * height > MAX_PIXELS:
        return _too_large(f"{width:,} × {height:,} pixels ({_megapixels(width * height)} megapixels)")
    return None


def inspect_picture(data: bytes) -> PictureRefused | None:
    """`picture_refusal` of an upload, from its header only (nothing is decoded); a file Pillow cannot even
    open is unreadable, and one past Pillow's own hard limit is too large without its size."""
    from PIL import Image  # where used: a server that never takes an upload does not map Pillow (#16)

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # the rule above says it in words
            with Image.open(io.BytesIO(data)) as probe:
                return picture_refusal(probe.format, probe.width, probe.height)
    except Image.DecompressionBombError:
        return _too_large(f"over {2 * (Image.MAX_IMAGE_PIXELS or 0) / 1e6:.0f} megapixels")
    except (OSError, ValueError, SyntaxError):
        return PictureRefused("not_an_image", PICTURE_UNREADABLE)


# Pictures decoded at once in this process: a 40-megapixel PNG takes ~380 MB while it is decoded, turned and
# resized, so a label sending a gallery's pictures in parallel (or ingests with many covers) could take gigabytes.
# The others wait their turn.
DECODING_AT_ONCE = 2
_decoding = threading.BoundedSemaphore(DECODING_AT_ONCE)


def decoding_slot() -> threading.BoundedSemaphore:
    """Hold it (`with decoding_slot():`) from decoding a picture to dropping its renditions."""
    return _decoding


class UnreadablePicture(Exception):
    """A picture Pillow could not verify or decode (truncated or corrupt past its header, or a bomb); the cause is
    Pillow's own error."""


def decode_upright(data: bytes, *, draft: int) -> "Image":
    """Verify, then decode a picture `upright_rgb` (a JPEG at a reduced scale when it is much larger than `draft`
    pixels a side). Pillow's decompression-bomb warning counts as an error. UnreadablePicture on any failure."""
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                probe.verify()
            with Image.open(io.BytesIO(data)) as img:
                img.draft("RGB", (draft, draft))
                return upright_rgb(img)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise UnreadablePicture(f"{type(exc).__name__}: {str(exc)[:120]}") from exc


_WIDE_GREY = frozenset({"I", "I;16", "I;16B", "I;16L", "I;16N"})


def upright_rgb(img: "Image") -> "Image":
    """A decoded picture as people see it: turned as its EXIF orientation says (a phone's photo; covers ignored it
    while the gallery did not, probe18b) and in 8-bit RGB. A 16-bit grey PNG is scaled to 8 bits first: Pillow's
    conversion clips it at 255, and such a cover came out white (probe18b)."""
    from PIL import ImageOps

    img = ImageOps.exif_transpose(img)
    if img.mode in _WIDE_GREY:
        img = img.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    return img.convert("RGB")
