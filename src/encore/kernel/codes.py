"""The one rule for an ISRC (ISO 3901): country, registrant, year and designation, 12 ASCII characters.

Tags, label forms, ListenBrainz submissions and history imports all ask it here. ASCII digits only: `\\d` and
`str.isalnum` take any script's digits (fullwidth ones, say), which no catalogue's ISRC ever matches."""

import re

ISRC_RE = re.compile(r"\A[A-Z]{2}[A-Z0-9]{3}[0-9]{7}\Z")


def is_isrc(text: str) -> bool:
    """Whether `text` is an ISRC as written in the catalogue: upper case, no hyphens."""
    return ISRC_RE.fullmatch(text) is not None
