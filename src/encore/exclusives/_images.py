"""A gallery's pictures: checked with Pillow's decompression-bomb guard as an error, re-encoded as JPEG (so
no uploaded byte is ever served back as-is), kept at their own aspect ratio, stored under `exclusives/`."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

from encore.kernel import (
    PICTURE_UNREADABLE,
    UnreadablePicture,
    ValidationFailed,
    decode_upright,
    decoding_slot,
    inspect_picture,
)
from encore.storage import MediaStore

if TYPE_CHECKING:
    from PIL import Image

MAX_IMAGE_BYTES = 16 * 1024 * 1024
SIZES = (1280, 300)
TOP = "exclusives"


class ImageRejected(ValidationFailed):
    code = "not_an_image"


def image_relpath(key: str, size: int) -> str:
    return f"{TOP}/{key[:2]}/{key}/{size}.jpg"


def _decode(data: bytes) -> Image.Image:
    if len(data) > MAX_IMAGE_BYTES:
        raise ImageRejected(f"an image can be at most {MAX_IMAGE_BYTES // 2**20} MB", code="image_too_large")
    if (refused := inspect_picture(data)) is not None:  # the format and size rule covers share
        raise ImageRejected(refused.message, code=refused.code)
    try:
        return decode_upright(data, draft=SIZES[0] * 2)
    except UnreadablePicture as exc:
        raise ImageRejected(PICTURE_UNREADABLE) from exc  # a truncated or corrupt file past its header


def store_image(*, data: bytes, store: MediaStore) -> str:
    """The image's key (SHA-256 of the upload) once its renditions are in the store; ImageRejected otherwise."""
    from PIL import Image

    key = hashlib.sha256(data).hexdigest()
    with decoding_slot():  # a few pictures in memory at once, however many are sent
        picture = _decode(data)
        with store.writing():  # each rendition sits in `.tmp/` first, which a sweep empties (review26c L4)
            for size in SIZES:
                copy = picture.copy()
                copy.thumbnail((size, size), Image.Resampling.LANCZOS)
                temp = store.new_temp_path(".jpg")
                copy.save(temp, "JPEG", quality=86, optimize=True)
                store.commit(temp, image_relpath(key, size))
    return key


def image_path(store: MediaStore, *, key: str, size: int) -> Path:
    return store.resolve(image_relpath(key, size if size in SIZES else SIZES[0]))
