"""What a file's name says when its tags do not: its track number (and disc) and its title.

Masters are often delivered untagged, named as rips and distributors name them: "01 Title", "01 - Title",
"01. Title", "1-01 Title" (disc 1, track 1), "Artist - Release - 01 Title". Read as the bare stem, every such
file was track 1 and titled with the whole name (probe23 F4). A pure function of the name; tags always win
over it (`_commit`). A number is read only where the pattern is clear, so a title that starts with a number
stays whole where it can: "2024 Remaster" (four digits), "9 Crimes" (one digit and a space), "Artist - 99
Problems" (after a single "Artist - " part, only a zero-padded number counts).
"""

import re
from dataclasses import dataclass

from encore.ingest._tags import clean

MAX_TRACK = 999  # as tags are read (`_tags._number`) and the label's form allows
MAX_DISC = 99
_PARTS = " - "  # how names join artist, release and title
_NUMBERED = re.compile(
    r"(?:(?P<disc>[0-9]{1,2})-(?P<disc_track>[0-9]{2,3})|(?P<track>[0-9]{1,3}))"
    r"(?P<sep>[ \t]*[.\-_)][ \t]*|[ \t]+|$)(?P<rest>.*)",
    re.DOTALL,
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
    for prefix in range(min(len(parts), 3)):  # nothing, "Artist - ", "Artist - Release - " before the number
        match = _NUMBERED.fullmatch(_PARTS.join(parts[prefix:]))
        if match is not None and (found := _numbered(match, prefix=prefix)) is not None:
            return NameFacts(title=found.title or text, track=found.track, disc=found.disc)
    return NameFacts(title=text)


def _numbered(match: re.Match[str], *, prefix: int) -> NameFacts | None:
    digits = match["disc_track"] or match["track"]
    disc = int(match["disc"]) if match["disc"] else None
    bare = not match["sep"].strip()  # "12 Title": only spaces between number and title
    if match["track"] and bare and len(digits) < 2 and match["rest"]:
        return None  # "9 Crimes"
    if prefix == 1 and not digits.startswith("0") and disc is None:
        return None  # "Artist - 99 Problems": the release's name is missing, the number may be the title's
    track = int(digits)
    if not 0 < track <= MAX_TRACK or (disc is not None and not 0 < disc <= MAX_DISC):
        return None  # "00 Intro", "0-01 Intro"
    return NameFacts(title=match["rest"].strip(" \t-._"), track=track, disc=disc)
