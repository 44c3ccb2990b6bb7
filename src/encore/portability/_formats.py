"""One history row from Spotify, ListenBrainz or Encore's own export -> a listen, or the reason it is skipped
or refused.

Pure functions: the same rules the services' own importers apply (ListenBrainz's Spotify importer
drops incognito rows, rows without a track, and plays under 30 s).
"""

import json
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from encore.history import (
    LISTEN_ID_PREFIX,
    MAX_LISTEN_MS,
    PLAY_ID_RE,
    ImportListen,
    check_timestamp,
    info_json,
    listen_duration_ms,
)
from encore.kernel import ValidationFailed, is_isrc, without_bidi_controls, without_towers

MIN_MS_PLAYED = 30_000
INCOGNITO, NOT_MUSIC, SHORT = "incognito", "not_music", "short"  # why an entry is skipped

# an entry's listen, or the reason it is skipped; a plain union, not a wrapper object: one is made per entry
Row = ImportListen | str

_SPOTIFY_BASIC_INFO = info_json({"music_service": "spotify.com", "submission_client": "Spotify import"})
_ENCORE_INFO = info_json({"submission_client": "Encore import"})
# the keys every row of Encore's export has (portability/_export.py, PLAY_FIELDS): a row lacking one is no
# Encore row, and the file is refused rather than guessed at
ENCORE_KEYS = ("client_play_id", "started_at", "ms_played", "is_listen", "artist_name", "track_name")


def _text(value: Any, where: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValidationFailed(f"{where}: expected text", code="wrong_schema")
    if "\x00" in value:
        raise ValidationFailed(f"{where}: contains a NUL character", code="nul_character")
    if not value.isascii():
        _unicode(value, where)
        # someone else's text, shown to others on a shared Wrapped: its overrides and isolates are dropped, and the
        # marks a tower stacks on a letter past the few any script needs (review32a L1), as ingest does to tags
        # (refusing the whole file for them would lose a listener's history)
        value = without_towers(without_bidi_controls(value))
    return value.strip()[:512] or None


def _unicode(text: str, where: str) -> None:
    """Text no database can store (a lone surrogate, which JSON's escapes can carry) is refused by name."""
    try:
        text.encode()
    except UnicodeEncodeError:
        raise ValidationFailed(
            f"{where}: contains a lone surrogate, which is not Unicode", code="lone_surrogate"
        ) from None


def _ms(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0 or value > MAX_LISTEN_MS:
        raise ValidationFailed(f"{where}: ms_played must be a number of milliseconds", code="wrong_schema")
    return int(value)


def _checked(at: datetime, now: datetime, where: str) -> datetime:
    check = check_timestamp(at=at, now=now)
    if not check.ok:
        raise ValidationFailed(f"{where}: timestamp refused ({check.reason})", code=check.reason)
    return at


def _started(ended: datetime, ms: int, now: datetime, where: str) -> datetime:
    """When a play that ended at `ended` after `ms` began, checked: a play ending in year 1 has no start a
    datetime can hold (OverflowError failed the whole import job as an internal error), and is refused as
    too old like any other before 2002."""
    try:
        started = ended - timedelta(milliseconds=ms)
    except OverflowError:
        started = ended
    return _checked(started, now, where)


def _parse_time(value: Any, where: str, fmt: str | None = None) -> datetime:
    if not isinstance(value, str) or len(value) > 40:
        raise ValidationFailed(f"{where}: expected a timestamp", code="wrong_schema")
    try:
        at = datetime.strptime(value, fmt) if fmt else datetime.fromisoformat(value)
    except ValueError:
        raise ValidationFailed(f"{where}: not a timestamp: {value[:40]!r}", code="wrong_schema") from None
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def parse_row(item: Any, *, now: datetime, where: str) -> Row:
    """Recognise the row by its keys: Spotify extended (`ts`), Spotify basic (`endTime`), ListenBrainz,
    Encore's own export (`client_play_id` and `started_at`). Returns the listen, or why the entry is
    skipped (INCOGNITO, NOT_MUSIC, SHORT)."""
    if not isinstance(item, dict):
        raise ValidationFailed(f"{where}: each entry must be an object", code="wrong_schema")
    if "ts" in item:
        return _spotify_extended(item, now, where)
    if "endTime" in item:
        return _spotify_basic(item, now, where)
    if "listened_at" in item and "track_metadata" in item:
        return _listenbrainz(item, now, where)
    if "client_play_id" in item and "started_at" in item:
        return _encore(item, now, where)
    raise ValidationFailed(f"{where}: not a Spotify, ListenBrainz or Encore history entry", code="wrong_schema")


def _spotify_extended(item: dict[str, Any], now: datetime, where: str) -> Row:
    # the hot loop of a Spotify import (one call per entry): plain text takes the short way, anything
    # else goes through _text, which refuses it with the same reasons
    ended = _parse_time(item["ts"], where)
    ms = item.get("ms_played", 0)
    if ms.__class__ is not int or not 0 <= ms <= MAX_LISTEN_MS:
        ms = _ms(ms, where)
    track, artist, release = (
        item.get("master_metadata_track_name"),
        item.get("master_metadata_album_artist_name"),
        item.get("master_metadata_album_album_name"),
    )
    track = (
        track.strip()[:512] or None
        if track.__class__ is str and "\x00" not in track and track.isascii()
        else _text(track, where)
    )
    artist = (
        artist.strip()[:512] or None
        if artist.__class__ is str and "\x00" not in artist and artist.isascii()
        else _text(artist, where)
    )
    release = (
        release.strip()[:512] or None
        if release.__class__ is str and "\x00" not in release and release.isascii()
        else _text(release, where)
    )
    started = _started(ended, ms, now, where)
    if item.get("incognito_mode") is True:
        return INCOGNITO
    if not track or not artist:
        return NOT_MUSIC  # podcast episodes, audiobooks, videos
    if ms < MIN_MS_PLAYED:
        return SHORT
    info = _spotify_info(_text(item.get("spotify_track_uri"), where))
    return ImportListen(started, artist, track, release, None, info, ms)


@lru_cache(maxsize=1 << 14)  # a history plays the same tracks again and again: one JSON text per track
def _spotify_info(uri: str | None) -> str:
    info = {"music_service": "spotify.com", "submission_client": "Spotify import"}
    if uri:
        info["spotify_id"] = "https://open.spotify.com/track/" + uri.rsplit(":", 1)[-1]
    return info_json(info)


def _spotify_basic(item: dict[str, Any], now: datetime, where: str) -> Row:
    ended = _parse_time(item["endTime"], where, "%Y-%m-%d %H:%M")
    ms = _ms(item.get("msPlayed", 0), where)
    artist, track = _text(item.get("artistName"), where), _text(item.get("trackName"), where)
    started = _started(ended, ms, now, where)
    if not track or not artist:
        return NOT_MUSIC
    if ms < MIN_MS_PLAYED:
        return SHORT
    return ImportListen(started, artist, track, extra=_SPOTIFY_BASIC_INFO, ms_played=ms)


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
    try:
        escaped = json.dumps(info)
    except RecursionError:
        raise ValidationFailed(f"{where}: additional_info is nested too deeply", code="wrong_schema") from None
    if "\\u0000" in escaped:
        raise ValidationFailed(f"{where}: contains a NUL character", code="nul_character")
    extra = info_json(info) if info else None
    if extra is not None and not extra.isascii():
        _unicode(extra, where)
    isrc = info.get("isrc")
    return ImportListen(
        listened_at=at,
        artist_name=artist,
        track_name=track,
        release_name=_text(meta.get("release_name"), where),
        isrc=isrc.upper() if isinstance(isrc, str) and is_isrc(isrc.upper()) else None,
        extra=extra,
        ms_played=listen_duration_ms(info),  # as submit-listens stores it: the listen's minutes in Wrapped
    )


def _encore(item: dict[str, Any], now: datetime, where: str) -> Row:
    """A listen of Encore's own export (`listens.json`): a listener moving from another Encore server, or
    restoring. Imported as any other file's listen: history and Wrapped, never money, matched to this
    catalogue by ISRC, then artist and title. Its `track` is a public id of the server that wrote it (here
    no track, or another one) and is not read. `is_listen` is that server's ListenBrainz rule (half the track
    or 4 minutes), already applied, so no 30 s floor: a scrobbled listen's ms_played is often 0, as a
    ListenBrainz row has none. A player's play keeps its id, so a restore onto the account that still holds
    it adds nothing; a text listen's ("lb-") is made again from its second and text, as every import does."""
    missing = [key for key in ENCORE_KEYS if key not in item]
    if missing:
        raise ValidationFailed(f"{where}: an Encore history entry needs {', '.join(missing)}", code="wrong_schema")
    pid, counted = item["client_play_id"], item["is_listen"]
    if not isinstance(pid, str) or not PLAY_ID_RE.fullmatch(pid):
        raise ValidationFailed(f"{where}: client_play_id must be 8-64 of A-Z a-z 0-9 _ -", code="wrong_schema")
    if not isinstance(counted, bool):
        raise ValidationFailed(f"{where}: is_listen must be true or false", code="wrong_schema")
    started = _checked(_parse_time(item["started_at"], where), now, where)
    ms = _ms(item["ms_played"], where)
    artist, track = _text(item["artist_name"], where), _text(item["track_name"], where)
    release, isrc = _text(item.get("release_name"), where), _text(item.get("isrc"), where)
    if not counted:
        return SHORT  # a play that was no listen where it was heard (plays.json renamed, a hand-made row)
    if not artist or not track:
        return NOT_MUSIC  # nothing says what was heard: a track since deleted, or an export from before text
    return ImportListen(
        started,
        artist,
        track,
        release,
        isrc.upper() if isrc and is_isrc(isrc.upper()) else None,
        _ENCORE_INFO,
        ms,
        None if pid.startswith(LISTEN_ID_PREFIX) else pid,
    )
