"""Stage 6, artwork: the embedded front cover or a folder image, to square JPEGs at 640/300/64 px.

Pillow's decompression-bomb guard stays on, and its warning is an error here: a cover that claims
to be enormous is refused rather than decoded.
"""

import hashlib
from dataclasses import dataclass
from pathlib import Path

from encore.kernel import UnreadablePicture, decode_upright, decoding_slot

SIZES = (640, 300, 64)
FOLDER_NAMES = ("cover", "folder", "front", "album")
FOLDER_EXTS = (".jpg", ".jpeg", ".png", ".webp")
MAX_SOURCE_BYTES = 16 * 1024 * 1024


class ArtworkRejected(Exception):
    pass


UNREADABLE_PICTURE = "not a picture Encore can read (a whole JPEG, PNG or WebP)"
TOO_LARGE_PICTURE = "a picture too large to decode safely (a decompression bomb, or over the pixel limit)"


@dataclass(frozen=True)
class ArtworkFiles:
    key: str
    temp_paths: dict[int, str]


def folder_image(audio_path: Path) -> tuple[str, bytes] | None:
    """The folder's cover beside the audio: (its file name, its bytes)."""
    try:
        entries = {p.name.lower(): p for p in audio_path.parent.iterdir() if p.is_file()}
    except OSError:
        return None
    for stem in FOLDER_NAMES:
        for ext in FOLDER_EXTS:
            candidate = entries.get(stem + ext)
            if candidate is not None and candidate.stat().st_size <= MAX_SOURCE_BYTES:
                return candidate.name, candidate.read_bytes()
    return None


def render_artwork(data: bytes, temp_dir: Path, name: str) -> ArtworkFiles:
    from PIL import Image, ImageOps  # where used: a server that never renders covers does not map Pillow (#16)

    key = hashlib.sha256(data).hexdigest()
    with decoding_slot():  # a few pictures in memory at once, however many ingests run
        try:
            upright = decode_upright(data, draft=1280)  # JPEG: decoded at reduced scale when much larger
        except UnreadablePicture as exc:
            # Pillow's own words name a BytesIO object (probe25b L1): the cause stays chained, the message is plain
            bomb = isinstance(exc.__cause__, (Image.DecompressionBombError, Image.DecompressionBombWarning))
            raise ArtworkRejected(TOO_LARGE_PICTURE if bomb else UNREADABLE_PICTURE) from exc
        square = ImageOps.fit(upright, (SIZES[0], SIZES[0]), Image.Resampling.LANCZOS)
        paths: dict[int, str] = {}
        for size in SIZES:
            out = temp_dir / f"{name}.art{size}.jpg.part"
            resized = square if size == SIZES[0] else square.resize((size, size), Image.Resampling.LANCZOS)
            resized.save(out, "JPEG", quality=86, optimize=True, progressive=size > 64)
            paths[size] = str(out)
    return ArtworkFiles(key, paths)


def artwork_relpath(key: str, size: int) -> str:
    return f"art/{key[:2]}/{key}/{size}.jpg"
