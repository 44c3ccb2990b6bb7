"""A gallery's pictures: checked with Pillow's decompression-bomb guard as an error, re-encoded as JPEG (so
no uploaded byte is ever served back as-is), kept at their own aspect ratio, stored under `exclusives/`."""

from __future__ import annotations

import hashlib
import io
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

from encore.kernel import ValidationFailed
from encore.storage import MediaStore

if TYPE_CHECKING:
    from PIL import Image

MAX_IMAGE_BYTES = 16 * 1024 * 1024
MAX_PIXELS = 40_000_000  # a 6,000 x 6,000 scan is fine; a 30,000 x 30,000 "PNG" of 100 KB is a bomb
SIZES = (1280, 300)
TOP = "exclusives"


class ImageRejected(ValidationFailed):
    code = "not_an_image"


def image_relpath(key: str, size: int) -> str:
    return f"{TOP}/{key[:2]}/{key}/{size}.jpg"


def _decode(data: bytes) -> Image.Image:
    from PIL import Image, ImageOps  # where used: a server that never takes an upload does not map Pillow (#16)

    if len(data) > MAX_IMAGE_BYTES:
        raise ImageRejected(f"an image can be at most {MAX_IMAGE_BYTES // 2**20} MB", code="image_too_large")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format not in {"JPEG", "PNG", "WEBP"}:
                    raise ImageRejected("send a JPEG, PNG or WebP image")
                if probe.width * probe.height > MAX_PIXELS:
                    raise ImageRejected("that image is too large to decode", code="image_bomb")
                probe.verify()
            with Image.open(io.BytesIO(data)) as img:
                img.draft("RGB", (SIZES[0] * 2, SIZES[0] * 2))
                return ImageOps.exif_transpose(img).convert("RGB")
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageRejected("that image is too large to decode", code="image_bomb") from exc
    except (OSError, ValueError, SyntaxError) as exc:
        raise ImageRejected("that file is not an image Encore can read (JPEG, PNG or WebP)") from exc


def store_image(*, data: bytes, store: MediaStore) -> str:
    """The image's key (SHA-256 of the upload) once its renditions are in the store; ImageRejected otherwise."""
    from PIL import Image

    picture = _decode(data)
    key = hashlib.sha256(data).hexdigest()
    for size in SIZES:
        copy = picture.copy()
        copy.thumbnail((size, size), Image.Resampling.LANCZOS)
        temp = store.new_temp_path(".jpg")
        copy.save(temp, "JPEG", quality=86, optimize=True)
        store.commit(temp, image_relpath(key, size))
    return key


def image_path(store: MediaStore, *, key: str, size: int) -> Path:
    return store.resolve(image_relpath(key, size if size in SIZES else SIZES[0]))
