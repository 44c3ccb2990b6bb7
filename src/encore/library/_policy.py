"""Who may see and change a playlist: pure decisions with reasons, no database."""

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from encore.kernel import (
    bidi_refusal,
    has_bidi_control,
    has_control,
    has_visible,
    towering_refusal,
)

MAX_NAME = 100
MAX_DESCRIPTION = 300
MAX_ITEMS = 10_000
# Playlists one account may own. A listener making one a week would take 19 years to reach it, one saving a mix
# every day nearly 3; Spotify's clients meet ceilings of the kind too (10,000 tracks a playlist, and Your Library's
# "no more room"). Until session 32 the cap was MAX_ITEMS, so a free account could fill the public search with
# 10,000 playlists at ~80 a second (review32a M2): each search reads every public name.
MAX_PLAYLISTS = 1_000
# New playlists one account may make in an hour (counted from the rows' own creation times, under the owner's lock:
# exact on every face and every worker). Far past what a person makes; an app moving a library here from elsewhere
# makes 200 at once and the rest an hour on. At ~80 a second a script filled an account in minutes (review32a M2).
NEW_PLAYLISTS_PER_HOUR = 200
MAX_PER_CALL = 100


class Access(StrEnum):
    OWNER = "owner"
    PUBLIC_READ = "public_read"
    # A private playlist of someone else is indistinguishable from a missing one.
    HIDDEN = "hidden"


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str


def playlist_access(*, owner_id: int, public: bool, viewer_id: int | None) -> Access:
    if viewer_id is not None and viewer_id == owner_id:
        return Access.OWNER
    return Access.PUBLIC_READ if public else Access.HIDDEN


def may_view(access: Access) -> Decision:
    if access is Access.HIDDEN:
        return Decision(False, "not_found")
    return Decision(True, access.value)


def may_change(access: Access) -> Decision:
    if access is Access.OWNER:
        return Decision(True, "owner")
    return Decision(False, "not_found" if access is Access.HIDDEN else "not_owner")


def may_create(*, owned: int, made_last_hour: int) -> Decision:
    """Whether an account with `owned` playlists, `made_last_hour` of them in the last hour, may make another."""
    if owned >= MAX_PLAYLISTS:
        return Decision(False, "too_many_playlists")
    if made_last_hour >= NEW_PLAYLISTS_PER_HOUR:
        return Decision(False, "too_many_new_playlists")
    return Decision(True, "ok")


def clean_text(value: str, *, field: str, limit: int, allow_empty: bool) -> str:
    """Names are shown everywhere: strip, refuse control characters, bound the length."""
    text = value.strip()
    if not text and not allow_empty:
        raise ValueError(f"{field} must not be empty")
    if len(text) > limit:
        raise ValueError(f"{field} is longer than {limit} characters")
    if has_control(text):
        raise ValueError(f"{field} contains control characters")
    if text and not has_visible(text):
        raise ValueError(f"{field} has no visible character")
    if has_bidi_control(text):  # a public playlist is shown to others: "\u202etsil ym" reads "my list" (review24n N2)
        raise ValueError(bidi_refusal(field))
    if refused := towering_refusal(text, field):  # the rule of display names: no tower over the rows around it
        raise ValueError(refused)
    return text


def moved(order: list[int], *, range_start: int, insert_before: int, range_length: int) -> list[int]:
    """Spotify's reorder: move `range_length` items starting at `range_start` to before `insert_before`.

    Positions refer to the order before the move; `insert_before == len(order)` moves to the end.
    """
    n = len(order)
    if range_length < 1 or range_start < 0 or range_start + range_length > n:
        raise ValueError("range_start/range_length outside the playlist")
    if insert_before < 0 or insert_before > n:
        raise ValueError("insert_before outside the playlist")
    if range_start <= insert_before <= range_start + range_length:
        return list(order)  # moving a block to where it already is
    block = order[range_start : range_start + range_length]
    rest = order[:range_start] + order[range_start + range_length :]
    target = insert_before if insert_before < range_start else insert_before - range_length
    return rest[:target] + block + rest[target:]


def first_repeat(ids: Sequence[int]) -> int | None:
    """The first id a list holds twice, or None: an add that must not make duplicates refuses one request that
    names a track twice (probe20 N5), as it refuses a track the playlist already holds."""
    seen: set[int] = set()
    for i in ids:
        if i in seen:
            return i
        seen.add(i)
    return None
