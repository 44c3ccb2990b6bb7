"""`include_groups` of /v1/artists/{id}/albums: Spotify's four album groups, read as Spotify reads them."""

from encore.kernel import ValidationFailed

GROUPS = ("album", "single", "compilation", "appears_on")
# The catalogue's album types in each of the artist's own groups (Spotify files an EP as a single).
_TYPES = {"album": ("album",), "single": ("single", "ep"), "compilation": ("compilation",)}


def album_groups(raw: str | None) -> frozenset[str]:
    """The groups asked for (all when none is named); an unknown one is refused, as Spotify refuses it."""
    asked = {g.strip() for g in (raw or "").split(",")} - {""}
    if not asked:
        return frozenset(GROUPS)
    if not asked <= set(GROUPS):
        raise ValidationFailed(f"include_groups: give a comma-separated list of {', '.join(GROUPS)}")
    return frozenset(asked)


def catalogue_types(groups: frozenset[str]) -> frozenset[str]:
    """The album types of the artist's own albums that `groups` lists."""
    return frozenset(t for g in groups for t in _TYPES.get(g, ()))
