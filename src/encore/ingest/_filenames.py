"""What a file's name says when its tags do not: its track number (and disc) and its title.

Masters are often delivered untagged, named as rips and distributors name them: "01 Title", "01 - Title",
"1. Title", "1-01 Title" (disc 1, track 1), "CD2 - 01 - Title", "Track01", "Artist - Release - 01 Title". Read as
the bare stem, every such file was track 1 and titled with the whole name (probe23 F4). A pure function of the
name; tags always win over it (`_commit`).

A wrong number is worse than none (the label sees "1" and sets it; a wrong one looks deliberate), so a number is
read only where the name leaves no doubt (review23n F4: "50 Cent", "311 - Amber", "1-800-273-8255" are names):
- zero-padded, 2 or 3 digits ("01", "001"), then a space, "_", ".", "-", ")" or the name's end: "01 Title";
- not padded, 1 or 2 digits, only with a clear separator, a ".", "-" or ")" and then a space: "1. Title",
  "12 - Title" (so "9 Crimes", "50 Cent - …", "99 Luftballons" and "311 - Amber" stay whole);
- in brackets, "(01) Title", "[1] Title" (not padded: 1 or 2 digits);
- after "Track" ("Track01", "Track 7 - Title"), 1 to 3 digits;
- disc and track only as "d-NN", one digit and two ("1-01 Title"); "CD n" / "Disc n" before the number is the
  disc ("CD2 - 01 - Title");
- never when a digit follows a separator directly ("24-7", "3-2-1", "1-800-…", "1-1", "1.5"), nor four digits
  ("2024 Remaster"), nor track 0 or over 999, nor disc 0;
- after one "Artist - " part only a zero-padded or marked number ("Artist - 99 Problems" stays whole); up to
  three parts ("Artist - 2019 - Album - 01 - Title").
What follows the number is the title, as it is: "01 - Artist - Title" keeps "Artist - Title", since a title may
hold " - " itself ("Song - Live"). Vinyl sides ("A1", "B2") are not read: B2 is not track 2 of the release.
"""

import re
from dataclasses import dataclass

from encore.ingest._tags import clean

MAX_TRACK = 999  # as tags are read (`_tags._number`) and the label's form allows
MAX_DISC = 99
_PARTS = " - "  # how names join artist, release and title
_PREFIXES = 4  # nothing, or up to three parts before the number
_NUMBERED = re.compile(
    r"(?:(?:cd|dis[ck])[ \t]*(?P<disc_word>[0-9]{1,2})(?:[ \t]*[-_.][ \t]*|[ \t]+)|(?P<track_word>track)[ \t_]*)?"
    r"(?:(?P<disc>[1-9])-(?P<disc_track>[0-9]{2})"
    r"|\((?P<paren>[0-9]{1,3})\)|\[(?P<bracket>[0-9]{1,3})\]"
    r"|(?P<track>[0-9]{1,3}))"
    r"(?P<sep>[ \t]*[.\-_)][ \t]*|[ \t]+|$|(?<=[)\]]))(?P<rest>.*)",
    re.DOTALL | re.IGNORECASE,
)


@dataclass(frozen=True)
class NameFacts:
    title: str  # the name without its number, prefix and extension; "" for an empty name
    track: int | None = None
    disc: int | None = None


def name_facts(stem: str) -> NameFacts:
    """'Artist - Release - 01 Song' -> NameFacts('Song', track=1); '1-03 Song' -> ('Song', 3, disc 1);
    'Song' -> ('Song'). `stem`: the file's name without its extension (any path already dropped)."""
    text = clean(stem).strip()  # control characters gone, at most a title's length
    parts = text.split(_PARTS)
    for prefix in range(min(len(parts), _PREFIXES)):
        match = _NUMBERED.fullmatch(_PARTS.join(parts[prefix:]))
        if match is not None and (found := _numbered(match, prefix=prefix)) is not None:
            return NameFacts(title=found.title or text, track=found.track, disc=found.disc)
    return NameFacts(title=text)


def _numbered(match: re.Match[str], *, prefix: int) -> NameFacts | None:
    sep, rest = match["sep"], match["rest"]
    if sep and not sep[-1].isspace() and rest[:1].isdigit():
        return None  # "24-7", "3-2-1", "1-800-273-8255", "1.5 Title": the digits run on
    digits = match["disc_track"] or match["track"] or match["paren"] or match["bracket"]
    word_disc, pair_disc = match["disc_word"], match["disc"]
    if (word_disc or match["track_word"]) and pair_disc:
        return None  # "CD2 - 1-01": two discs named
    padded = digits.startswith("0")
    if match["track"] and not padded and not match["track_word"] and not _clear(sep, rest, prefix=prefix):
        return None  # "50 Cent", "9 Crimes", "311 - Amber", "Artist - 7 - Song"
    if not padded and not match["track_word"] and not pair_disc and len(digits) > 2:
        return None  # "(311)"
    track = int(digits)
    disc = int(word_disc or pair_disc) if (word_disc or pair_disc) else None
    if not 0 < track <= MAX_TRACK or (disc is not None and not 0 < disc <= MAX_DISC):
        return None  # "00 Intro", "CD0 - 01"
    return NameFacts(title=rest.strip(" \t-._"), track=track, disc=disc)


def _clear(sep: str, rest: str, *, prefix: int) -> bool:
    """A number that is not padded is read only as "1. Title", "1 - Title", "1) Title", and not after a single
    "Artist - " part, where it may begin the title ("Artist - 7 - Song")."""
    return prefix != 1 and bool(rest) and sep.strip() in (".", "-", ")") and sep[-1].isspace()
