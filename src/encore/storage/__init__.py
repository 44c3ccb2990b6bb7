"""The media store: server-named files under one root, written atomically; audio opened only as audio."""

from encore.storage._audio import (
    AUDIO_DEMUXERS,
    NotAudioContainerError,
    accepted_demuxer,
    open_audio,
    sniffs_as_audio,
)
from encore.storage._private import DATA_DIR, made_dir, made_file, open_to_others
from encore.storage._store import MediaStore, StoreError

__all__ = [
    "AUDIO_DEMUXERS",
    "DATA_DIR",
    "MediaStore",
    "NotAudioContainerError",
    "StoreError",
    "accepted_demuxer",
    "made_dir",
    "made_file",
    "open_audio",
    "open_to_others",
    "sniffs_as_audio",
]
