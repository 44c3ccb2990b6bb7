"""Privacy rules of discovery, as pure decisions with reasons (no database)."""

from dataclasses import dataclass

# No recommendation, similar list or "fans also like" may rest on fewer distinct listeners than this: the one
# threshold for everything derived from others' listening, owned by `library._privacy` (search popularity too).
from encore.library import enough_listeners


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str


def may_derive(*, distinct_listeners: int) -> Decision:
    """May a pair (similar tracks, related artists) or a list be derived from this many distinct listeners?"""
    if enough_listeners(distinct_listeners):
        return Decision(True, "enough_listeners")
    return Decision(False, "too_few_listeners")


def may_learn_from(*, contributes: bool) -> Decision:
    """Does a listener's listening go into training? Only while they have not opted out."""
    return Decision(True, "contributes") if contributes else Decision(False, "opted_out")


MAX_SEEDS = 5


def seed_count(n: int) -> Decision:
    """Spotify's rule for /v1/recommendations: 1 to 5 seeds in all (tracks, artists and genres together)."""
    if n < 1:
        return Decision(False, "at least one seed (seed_tracks, seed_artists or seed_genres) is required")
    if n > MAX_SEEDS:
        return Decision(False, f"at most {MAX_SEEDS} seeds in all are allowed; {n} were given")
    return Decision(True, "seeds_ok")
