"""Subsonic ids are Encore public ids with a kind prefix, so an id of the wrong kind is caught."""

from encore.kernel import is_public_id
from encore.web.subsonic._envelope import NOT_FOUND, SubsonicError

ARTIST, ALBUM, TRACK, PLAYLIST = "ar", "al", "tr", "pl"
ROOT_FOLDER = 1


def sid(kind: str, public_id: str) -> str:
    return f"{kind}-{public_id}"


def split(value: str) -> tuple[str, str] | None:
    kind, sep, public_id = value.partition("-")
    if not sep or kind not in (ARTIST, ALBUM, TRACK, PLAYLIST) or not is_public_id(public_id):
        return None
    return kind, public_id


def parse(value: str | None, *kinds: str) -> tuple[str, str]:
    """(kind, public id), or error 70 for a malformed id or one of another kind."""
    parsed = split(value or "")
    if parsed is None or parsed[0] not in kinds:
        raise SubsonicError(NOT_FOUND, "no such item (or an id of the wrong kind)")
    return parsed


def public(value: str | None, kind: str) -> str:
    return parse(value, kind)[1]
