"""One history row from Spotify or ListenBrainz -> a listen, or the reason it is skipped or refused.

Pure functions: the same rules the services' own importers apply (ListenBrainz's Spotify importer
drops incognito rows, rows without a track, and plays under 30 s).
"""

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from encore.history import ListenIn, check_timestamp
from encore.kernel import ValidationFailed

MIN_MS_PLAYED = 30_000


@dataclass(frozen=True)
class Row:
    listen: ListenIn | None
    skipped: str | None  # "incognito" | "short" | "not_music"


_MAX_MS = 24 * 3_600_000
_INCOGNITO, _NOT_MUSIC, _SHORT = Row(None, "incognito"), Row(None, "not_music"), Row(None, "short")


def _text(value: Any, where: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValidationFailed(f"{where}: expected text", code="wrong_schema")
    if "\x00" in value:
        raise ValidationFailed(f"{where}: contains a NUL character", code="nul_character")
    return value.strip()[:512] or None


def _ms(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0 or value > _MAX_MS:
        raise ValidationFailed(f"{where}: ms_played must be a number of milliseconds", code="wrong_schema")
    return int(value)


def _checked(at: datetime, now: datetime, where: str) -> datetime:
    check = check_timestamp(at=at, now=now)
    if not check.ok:
        raise ValidationFailed(f"{where}: timestamp refused ({check.reason})", code=check.reason)
    return at


def _parse_time(value: Any, where: str, fmt: str | None = None) -> datetime:
    if not isinstance(value, str) or len(value) > 40:
        raise ValidationFailed(f"{where}: expected a timestamp", code="wrong_schema")
    try:
        at = datetime.strptime(value, fmt) if fmt else datetime.fromisoformat(value)
    except ValueError:
        raise ValidationFailed(f"{where}: not a timestamp: {value[:40]!r}", code="wrong_schema") from None
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def parse_row(item: Any, *, now: datetime, where: str) -> Row:
    """Recognise the row by its keys: Spotify extended (`ts`), Spotify basic (`endTime`), ListenBrainz."""
    if not isinstance(item, dict):
        raise ValidationFailed(f"{where}: each entry must be an object", code="wrong_schema")
    if "ts" in item:
        return _spotify_extended(item, now, where)
    if "endTime" in item:
        return _spotify_basic(item, now, where)
    if "listened_at" in item and "track_metadata" in item:
        return _listenbrainz(item, now, where)
    raise ValidationFailed(f"{where}: not a Spotify or ListenBrainz history entry", code="wrong_schema")


def _spotify_extended(item: dict[str, Any], now: datetime, where: str) -> Row:
    # the hot loop of a Spotify import (one call per entry): plain text takes the short way, anything
    # else goes through _text, which refuses it with the same reasons
    ended = _parse_time(item["ts"], where)
    ms = item.get("ms_played", 0)
    if ms.__class__ is not int or not 0 <= ms <= _MAX_MS:
        ms = _ms(ms, where)
    track, artist, release = (
        item.get("master_metadata_track_name"),
        item.get("master_metadata_album_artist_name"),
        item.get("master_metadata_album_album_name"),
    )
    track = track.strip()[:512] or None if track.__class__ is str and "\x00" not in track else _text(track, where)
    artist = artist.strip()[:512] or None if artist.__class__ is str and "\x00" not in artist else _text(artist, where)
    release = (
        release.strip()[:512] or None if release.__class__ is str and "\x00" not in release else _text(release, where)
    )
    started = _checked(ended - timedelta(milliseconds=ms), now, where)
    if item.get("incognito_mode") is True:
        return _INCOGNITO
    if not track or not artist:
        return _NOT_MUSIC  # podcast episodes, audiobooks, videos
    if ms < MIN_MS_PLAYED:
        return _SHORT
    uri = _text(item.get("spotify_track_uri"), where)
    info: dict[str, Any] = {"music_service": "spotify.com", "submission_client": "Spotify import"}
    if uri:
        info["spotify_id"] = "https://open.spotify.com/track/" + uri.rsplit(":", 1)[-1]
    return Row(
        ListenIn(
            listened_at=started,
            artist_name=artist,
            track_name=track,
            release_name=release,
            additional_info=info,
            ms_played=ms,
        ),
        None,
    )


def _spotify_basic(item: dict[str, Any], now: datetime, where: str) -> Row:
    ended = _parse_time(item["endTime"], where, "%Y-%m-%d %H:%M")
    ms = _ms(item.get("msPlayed", 0), where)
    artist, track = _text(item.get("artistName"), where), _text(item.get("trackName"), where)
    started = _checked(ended - timedelta(milliseconds=ms), now, where)
    if not track or not artist:
        return Row(None, "not_music")
    if ms < MIN_MS_PLAYED:
        return Row(None, "short")
    info = {"music_service": "spotify.com", "submission_client": "Spotify import"}
    return Row(
        ListenIn(listened_at=started, artist_name=artist, track_name=track, additional_info=info, ms_played=ms), None
    )


def _listenbrainz(item: dict[str, Any], now: datetime, where: str) -> Row:
    ts, meta = item["listened_at"], item["track_metadata"]
    if isinstance(ts, bool) or not isinstance(ts, int) or not isinstance(meta, dict):
        raise ValidationFailed(
            f"{where}: listened_at must be an integer and track_metadata an object", code="wrong_schema"
        )
    try:
        at = datetime.fromtimestamp(ts, UTC)
    except (OverflowError, OSError, ValueError):
        raise ValidationFailed(
            f"{where}: timestamp refused (timestamp_in_future)", code="timestamp_in_future"
        ) from None
    _checked(at, now, where)
    artist, track = _text(meta.get("artist_name"), where), _text(meta.get("track_name"), where)
    if not artist or not track:
        raise ValidationFailed(f"{where}: artist_name and track_name are required", code="wrong_schema")
    info = meta.get("additional_info") or {}
    if not isinstance(info, dict):
        raise ValidationFailed(f"{where}: additional_info must be an object", code="wrong_schema")
    if "\\u0000" in json.dumps(info):
        raise ValidationFailed(f"{where}: contains a NUL character", code="nul_character")
    isrc = info.get("isrc")
    return Row(
        ListenIn(
            listened_at=at,
            artist_name=artist,
            track_name=track,
            release_name=_text(meta.get("release_name"), where),
            isrc=isrc.upper() if isinstance(isrc, str) and len(isrc) == 12 and isrc.isalnum() else None,
            additional_info=info,
        ),
        None,
    )
