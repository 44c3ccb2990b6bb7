"""Subsonic ids are Encore public ids with a kind prefix, so an id of the wrong kind is caught."""

import re

from encore.kernel import is_public_id
from encore.web.subsonic._envelope import NOT_FOUND, SubsonicError

ARTIST, ALBUM, TRACK, PLAYLIST = "ar", "al", "tr", "pl"
ROOT_FOLDER = 1
COVER_VERSION_CHARS = 8  # of the artwork's content key: a replaced cover's id differs but for 1 in 4 billion
_COVER_VERSION = re.compile(r"[0-9a-f]{1,64}")


def sid(kind: str, public_id: str) -> str:
    return f"{kind}-{public_id}"


def cover_sid(kind: str, public_id: str, artwork_key: str | None) -> str | None:
    """A coverArt id: the item's id and its artwork's version, `al-<id>_<first characters of the artwork's key>`.
    Apps cache covers by this id for as long as they like, so a label's new cover must come with a new id or a
    phone shows the old one for good (Navidrome suffixes its artwork ids with a time for the same reason)."""
    if not artwork_key:
        return None
    return f"{kind}-{public_id}_{artwork_key[:COVER_VERSION_CHARS]}"


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


def parse_cover(value: str) -> tuple[str, str]:
    """getCoverArt's id: a coverArt id as handed out, or the item's plain id (what apps cached before coverArt
    ids carried a version, and what some send). The version only renames the cover for caches: whichever one an
    id names, the item's current cover is what there is to send."""
    plain, sep, version = value.partition("_")
    if sep and not _COVER_VERSION.fullmatch(version):
        raise SubsonicError(NOT_FOUND, "no such item (or an id of the wrong kind)")
    return parse(plain, ALBUM, ARTIST, TRACK, PLAYLIST)


def public(value: str | None, kind: str) -> str:
    return parse(value, kind)[1]
