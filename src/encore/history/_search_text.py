"""What the history's word search compares a play's own text with: `plays.search_text`.

A listen kept by its text (a ListenBrainz submission, a scrobbler, an import of any kind) stores its artist and title
folded as the catalogue folds names (`catalog.fold`: case-folded in full, accents off, spaces as one), so that the
search compares stored text with LIKE, at about lower()'s price, and still finds "Beyoncé" by "beyonce" and
"Straße" by "STRASSE" (folding per row cost ~7x lower() over a long history: review31c M2). The two parts are joined
by a unit separator, which a folded query never holds (`fold` reads it as a space), so a word never matches across
them. A play a player reported names only its catalogue track and keeps no text: its search text is None, and the
search finds it by the track's folded title and its artists' folded names instead (`catalog.Track.title_folded`,
`catalog.Artist.name_key`), which follow a renamed track.
"""

from functools import lru_cache

from encore.catalog import fold

SEPARATOR = "\x1f"

# folding is the hot spot of a big import, and histories repeat their artists and titles a lot: each part is
# folded once per process (history.text_key shares this cache, so a listen's search text costs two cache hits)
folded = lru_cache(maxsize=1 << 16)(fold)


def search_text(artist_name: str | None, track_name: str | None) -> str | None:
    """`plays.search_text` for a play keeping this text: None when it keeps none."""
    if not artist_name and not track_name:
        return None
    return f"{folded(artist_name or '')}{SEPARATOR}{folded(track_name or '')}"


def search_pattern(text: str) -> str | None:
    """The LIKE pattern (escaped with a backslash) that finds `text` as typed in a stored search text or folded
    catalogue name, or None when nothing of it is left once folded (only spaces, or only accents)."""
    query = fold(text)
    if not query:
        return None
    escaped = query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
