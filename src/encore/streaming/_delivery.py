"""How a Subsonic stream request is served: a stored rendition as-is, or MP3 made on the fly. Pure."""

import re
from dataclasses import dataclass

FORMATS = ("raw", "mp3", "ogg", "opus")
MP3_BITRATES = (32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)
DEFAULT_MP3_KBPS = 192
_KBPS = {"vorbis160": 160, "opus96": 96}
# What a format name looks like (mp3, m4a, flac, aac, x-wav...). Anything else is not a preference but noise
# (a path, a shell fragment, a control character) and is refused with a sentence.
_FORMAT_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,15}$")


@dataclass(frozen=True)
class Delivery:
    mode: str | None  # "file" | "mp3" | None (refused)
    rendition: str | None
    kbps: int
    reason: str


def mp3_kbps(limit: int) -> int:
    """The highest MP3 bitrate not above `limit` (0 = no limit)."""
    if limit <= 0:
        return DEFAULT_MP3_KBPS
    fitting = [b for b in MP3_BITRATES if b <= limit]
    return fitting[-1] if fitting else MP3_BITRATES[0]


def choose_delivery(*, fmt: str | None, max_kbps: int, offset_s: int, available: frozenset[str]) -> Delivery:
    fmt = (fmt or "").lower() or None
    if fmt is not None and not _FORMAT_NAME.fullmatch(fmt):
        return Delivery(None, None, 0, "malformed_format")
    if fmt is not None and fmt not in FORMATS:
        # `format` is the client's *preferred* target (Subsonic's words). One Encore does not make (aac, flac...)
        # is no preference: the answer is what no `format` gets, as Subsonic and Navidrome fall back to theirs.
        fmt = None
    stored = [k for k in ("vorbis160", "opus96") if k in available]
    if not stored:
        return Delivery(None, None, 0, "no_rendition")
    if fmt == "raw":  # the stored file exactly as it is; bitrate limits and offsets do not apply
        return Delivery("file", stored[0], _KBPS[stored[0]], "raw")
    if offset_s > 0:
        return Delivery("mp3", stored[0], mp3_kbps(max_kbps), "time_offset")
    if fmt == "mp3":
        return Delivery("mp3", stored[0], mp3_kbps(max_kbps), "format_mp3")
    for kind in stored:
        if fmt == "opus" and kind != "opus96":
            continue
        if max_kbps <= 0 or _KBPS[kind] <= max_kbps:
            return Delivery("file", kind, _KBPS[kind], "stored_fits")
    return Delivery("mp3", stored[0], mp3_kbps(max_kbps), "bitrate_below_renditions")
