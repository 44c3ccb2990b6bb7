"""The one way Encore lets FFmpeg open a file: audio containers only, local file protocol only.

FFmpeg picks a demuxer by sniffing the content, and some demuxers read *other* files: HLS and
ffconcat playlists name paths (an uploaded `.m3u8` listing `/srv/other-label/master.flac` was
published as the uploader's track), image2 expands patterns, and protocols like `subfile:` or
`data:` re-enter the reader. So the container is opened with FFmpeg's own `format_whitelist`
(checked after probing, before the demuxer reads its header) and `protocol_whitelist=file`; a
format that is not on the list never runs. The demuxer that did open is checked again by name.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # PyAV is imported where used: a process that never opens audio does not map it (#16)
    import av.container

# Demuxers that hold their audio inside the file they were given. Nothing here follows a path.
AUDIO_DEMUXERS = frozenset({"mp3", "flac", "ogg", "wav", "w64", "aiff", "mov", "matroska", "aac", "caf"})
_OPTIONS = {"format_whitelist": ",".join(sorted(AUDIO_DEMUXERS)), "protocol_whitelist": "file"}


class NotAudioContainerError(Exception):
    """The content sniffs as a format Encore will not open (a playlist, a concat list, an image...)."""


def accepted_demuxer(name: str) -> bool:
    """'mov,mp4,m4a,3gp,3g2,mj2' -> True: FFmpeg names a demuxer family by its aliases, comma-joined."""
    return any(alias in AUDIO_DEMUXERS for alias in name.split(","))


def open_audio(path: Path, *, metadata_errors: str = "strict") -> av.container.InputContainer:
    """Open `path` for reading with an audio demuxer from the allowlist, or raise NotAudioContainerError."""
    import av

    try:
        container = av.open(str(path), "r", options=dict(_OPTIONS), metadata_errors=metadata_errors)
    except av.ArgumentError as exc:  # EINVAL: what FFmpeg answers when the sniffed format is off the list
        raise NotAudioContainerError("not an audio container; playlists, concat lists and images are refused") from exc
    if not accepted_demuxer(container.format.name):
        container.close()
        raise NotAudioContainerError(f"{container.format.name} is not an accepted audio container")
    return container


SNIFF_BYTES = 1 << 16


def sniffs_as_audio(path: Path) -> bool:
    """Whether FFmpeg recognises an accepted audio container in the file's first bytes alone. Opened by its path,
    a file is also judged by its extension: FFmpeg's FLAC demuxer takes any file named `.flac`, so a text file
    so named read as "corrupt or truncated audio" while the same bytes named `.mp3` were "not a readable audio
    file" (probe25a L4). Read here from memory, without its name, only the content speaks."""
    import av

    with path.open("rb") as f:
        head = f.read(SNIFF_BYTES)
    try:
        container = av.open(io.BytesIO(head), "r", options=dict(_OPTIONS), metadata_errors="ignore")
    except (av.FFmpegError, EOFError, ValueError):
        return False
    try:
        return accepted_demuxer(container.format.name)
    finally:
        container.close()
