"""Refusals of lyrics, each with a reason a person can act on."""

from encore.kernel import NotFound, ValidationFailed


class LyricsRejected(ValidationFailed):
    """Lyrics that cannot be read or do not fit the track (the API answers 422)."""

    code = "lyrics_invalid"


class LyricsTooLarge(LyricsRejected):
    """Lyrics bigger than any song needs (the API answers 413)."""

    code = "lyrics_too_large"


class LyricsMissing(NotFound):
    code = "no_lyrics"
