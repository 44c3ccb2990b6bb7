"""Which rendition to stream: a pure decision with its reason."""

from dataclasses import dataclass

RENDITIONS = ("vorbis160", "opus96")
MIME = {"vorbis160": "audio/ogg", "opus96": "audio/ogg"}


@dataclass(frozen=True)
class RenditionChoice:
    kind: str | None
    reason: str


def choose_rendition(*, requested: str | None, available: frozenset[str], data_saver: bool) -> RenditionChoice:
    if requested is not None and requested not in RENDITIONS:
        return RenditionChoice(None, "unknown_rendition")
    if requested is not None:
        if requested in available:
            return RenditionChoice(requested, "as_requested")
        return RenditionChoice(None, "rendition_missing")
    preferred = ("opus96", "vorbis160") if data_saver else ("vorbis160", "opus96")
    for kind in preferred:
        if kind in available:
            return RenditionChoice(kind, "data_saver" if data_saver and kind == "opus96" else "default")
    return RenditionChoice(None, "no_rendition")
