"""Lyrics: synced (LRC, millisecond lines) or plain, per track, with language and source.

Parsing and checks are pure (`_parse`); storage is one row per track (`_service`). Ingest offers what
it finds (sidecar .lrc, embedded tags); labels write by hand; the faces read.
"""

from encore.lyrics._errors import LyricsMissing, LyricsRejected, LyricsTooLarge
from encore.lyrics._models import TrackLyrics
from encore.lyrics._parse import (
    MAX_BYTES,
    MAX_LINE_CHARS,
    MAX_LINES,
    UNKNOWN_LANGUAGE,
    Line,
    Lyrics,
    check_fits,
    decode,
    format_time,
    from_bytes,
    normal_language,
    parse,
    to_lrc,
)
from encore.lyrics._service import (
    Source,
    Stored,
    drop_lyrics,
    lyrics_of,
    offer_lyrics,
    save_lyrics,
    tracks_with_lyrics_titled,
)

__all__ = [
    "MAX_BYTES",
    "MAX_LINES",
    "MAX_LINE_CHARS",
    "UNKNOWN_LANGUAGE",
    "Line",
    "Lyrics",
    "LyricsMissing",
    "LyricsRejected",
    "LyricsTooLarge",
    "Source",
    "Stored",
    "TrackLyrics",
    "check_fits",
    "decode",
    "drop_lyrics",
    "format_time",
    "from_bytes",
    "lyrics_of",
    "normal_language",
    "offer_lyrics",
    "parse",
    "save_lyrics",
    "to_lrc",
    "tracks_with_lyrics_titled",
]
