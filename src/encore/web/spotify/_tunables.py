"""Spotify's tunable attributes of /v1/recommendations (`min_`, `max_`, `target_` + an attribute): Encore's
recommender does not read them, but a value outside the attribute's range is refused (400) as Spotify refuses
it, so a client's slip (`target_energy=2`, a 0-100 scale where 0-1 is meant) is told rather than ignored.
Ranges from Spotify's reference; loudness (dB), tempo (BPM) and duration_ms have no upper bound."""

import math
from collections.abc import Iterable

_FRACTIONS = ("acousticness", "danceability", "energy", "instrumentalness", "liveness", "speechiness", "valence")
# attribute: (lowest, highest or None, whole numbers only)
RANGES: dict[str, tuple[float | None, float | None, bool]] = {
    **dict.fromkeys(_FRACTIONS, (0.0, 1.0, False)),
    "key": (0, 11, True),
    "mode": (0, 1, True),
    "popularity": (0, 100, True),
    "time_signature": (0, 11, True),
    "duration_ms": (0, None, True),
    "tempo": (0, None, False),
    "loudness": (None, None, False),
}
PREFIXES = ("min_", "max_", "target_")


def _number(text: str, whole: bool) -> float | None:
    try:
        value = int(text) if whole else float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def tunable_problem(params: Iterable[tuple[str, str]]) -> str | None:
    """What is wrong with the first tunable out of its range or not a number, in Spotify's words; None when
    every one is fine (or none is given). Other parameters are not this rule's."""
    for name, text in params:
        prefix = next((p for p in PREFIXES if name.startswith(p)), None)
        if prefix is None or (attribute := name[len(prefix) :]) not in RANGES:
            continue
        low, high, whole = RANGES[attribute]
        value = _number(text.strip(), whole)
        if value is None:
            return f"{name}: {'a whole number' if whole else 'a number'} is required"
        if high is not None and low is not None and not low <= value <= high:
            return f"{name}: must be {low:g} to {high:g}"
        if high is None and low is not None and value < low:
            return f"{name}: must be at least {low:g}"
    return None
