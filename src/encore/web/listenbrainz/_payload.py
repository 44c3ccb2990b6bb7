"""ListenBrainz's submission rules as pure functions: raw bytes in, typed listens or an LBError out.

Limits and messages follow ListenBrainz (api_tools.py): 10,240 bytes per listen, 1,000 listens per
request, listened_at after 2002-10-01, no NUL characters, at most 50 tags of 64 characters. Encore also
refuses lone surrogates (text that is not Unicode, which no database column can hold).

Documents are parsed by orjson (C; issue #17: the stdlib's parser was a third of an import's validation);
what orjson refuses is parsed again by the stdlib, so integers past 64 bits, NaN and the stdlib's error
messages behave as before, and the lone surrogates only the stdlib accepts are looked for there.
"""

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from encore import history
from encore.history import ListenIn, latest_second
from encore.kernel import is_isrc, without_bidi_controls, without_towers

MAX_LISTEN_SIZE = 10_240
MAX_LISTENS_PER_REQUEST = 1_000
MAX_PAYLOAD_SIZE = MAX_LISTEN_SIZE * MAX_LISTENS_PER_REQUEST
MAX_TAGS = 50
MAX_TAG_SIZE = 64
LISTEN_MINIMUM_TS = 1_033_430_400  # 2002-10-01, ListenBrainz's floor
PLAYING_NOW_DEFAULT = timedelta(minutes=10)
LISTEN_TYPES = ("single", "playing_now", "import")
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)


class LBError(Exception):
    """An error answered in ListenBrainz's shape: {"code": status, "error": message}."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Submission:
    listen_type: str
    listens: list[ListenIn]
    playing_now: dict[str, Any] | None
    playing_for: timedelta


def _bad(message: str) -> LBError:
    return LBError(400, message)


def too_large() -> LBError:
    return _bad(
        f"JSON document is too large. In aggregate, listens may not be larger than {MAX_PAYLOAD_SIZE} characters."
    )


NESTED = "Cannot parse JSON document: it is nested too deeply."


def _check_text(value: Any, where: str) -> None:
    """No NUL anywhere; no lone surrogate (walked only for documents orjson refused)."""
    if isinstance(value, str):
        if "\x00" in value:
            raise _bad(f"{where} contains a \\u0000 (NUL) character, which is not allowed.")
        if not value.isascii():
            try:
                value.encode()
            except UnicodeEncodeError:
                raise _bad(f"{where} contains a lone surrogate, which is not valid Unicode.") from None
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_text(key, where)
            _check_text(item, where)
    elif isinstance(value, list):
        for item in value:
            _check_text(item, where)


def _load(raw: bytes) -> tuple[Any, bool]:
    """The document, and whether it needs the walk for text orjson would have refused."""
    try:
        return orjson.loads(raw), False
    except orjson.JSONDecodeError:
        pass
    try:
        return json.loads(raw.decode("utf-8")), True
    except (UnicodeDecodeError, ValueError) as exc:
        raise _bad(f"Cannot parse JSON document: {str(exc)[:200]}") from None
    except RecursionError:  # orjson refuses past 1,024 levels; the standard library runs out of stack
        raise _bad(NESTED) from None


def parse_submission(raw: bytes, *, now: datetime) -> Submission:
    if len(raw) > MAX_PAYLOAD_SIZE:
        raise too_large()
    data, odd = _load(raw)
    if not isinstance(data, dict) or "listen_type" not in data or "payload" not in data:
        raise _bad("Invalid JSON document submitted.")
    listen_type, payload = data["listen_type"], data["payload"]
    if listen_type not in LISTEN_TYPES:
        raise _bad("JSON document requires a valid listen_type key.")
    if not isinstance(payload, list) or not payload:
        raise _bad("JSON document does not contain any listens in payload.")
    if len(payload) > MAX_LISTENS_PER_REQUEST:
        raise _bad(f"Too many listens. You may not submit more than {MAX_LISTENS_PER_REQUEST} listens at once.")
    if listen_type != "import" and len(payload) != 1:
        raise _bad(f"JSON document should contain exactly one listen for listen_type {listen_type}.")
    if odd or b"\\u0000" in raw:  # JSON can only carry a NUL escaped, so most documents need no walk (#17)
        try:
            _check_text(payload, "JSON document")
        except RecursionError:
            raise _bad(NESTED) from None
    if listen_type == "playing_now":
        metadata = _check_listen(payload[0], playing_now=True)
        return Submission(listen_type, [], _shown_metadata(metadata), _duration(metadata) or PLAYING_NOW_DEFAULT)
    latest = latest_second(now)  # history.check_timestamp's future, as one integer for every listen
    listens = [_to_listen(item, latest=latest) for item in payload]
    return Submission(listen_type, listens, None, PLAYING_NOW_DEFAULT)


def _check_listen(item: Any, *, playing_now: bool) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise _bad("JSON document contains a listen that is not an object.")
    if len(_dumps(item)) > MAX_LISTEN_SIZE:  # its compact UTF-8 JSON, as a client would send it
        raise _bad(f"JSON document is too large. Each listen may not be larger than {MAX_LISTEN_SIZE} bytes.")
    metadata = item.get("track_metadata")
    if not isinstance(metadata, dict):
        raise _bad("JSON document must contain the key track_metadata at the top level.")
    if playing_now and "listened_at" in item:
        raise _bad("JSON document must not contain listened_at while submitting playing_now.")
    for key in ("artist_name", "track_name"):
        value = metadata.get(key)
        if not isinstance(value, str) or not _shown(value).strip():
            raise _bad(f"JSON document does not contain required track_metadata.{key}.")
    release = metadata.get("release_name")
    if release is not None and not isinstance(release, str):
        raise _bad("track_metadata.release_name must be a string.")
    info = metadata.get("additional_info", {})
    if not isinstance(info, dict):
        raise _bad("track_metadata.additional_info must be an object.")
    if info:  # most scrobblers send little or none: nothing to look up
        _check_additional_info(info)
    return metadata


def _check_additional_info(info: dict[str, Any]) -> None:
    tags = info.get("tags", [])
    if not isinstance(tags, list) or len(tags) > MAX_TAGS:
        raise _bad(f"track_metadata.additional_info.tags may not contain more than {MAX_TAGS} items.")
    for tag in tags:
        if not isinstance(tag, str) or len(tag) > MAX_TAG_SIZE:
            raise _bad(f"track_metadata.additional_info.tags may not be longer than {MAX_TAG_SIZE} characters.")
    for key in ("recording_mbid", "release_mbid", "release_group_mbid"):
        value = info.get(key)
        if value is not None and (not isinstance(value, str) or not _UUID.fullmatch(value)):
            raise _bad(f"track_metadata.additional_info.{key} must be a valid UUID.")
    for key in ("artist_mbids", "work_mbids"):
        values = info.get(key, [])
        if not isinstance(values, list) or not all(isinstance(v, str) and _UUID.fullmatch(v) for v in values):
            raise _bad(f"track_metadata.additional_info.{key} must be a list of valid UUIDs.")
    for key, per_ms in (("duration_ms", 1), ("duration", 1000)):
        _check_duration(info, key, per_ms)


# ListenBrainz's own bound on a listen's duration (24 days, in seconds): a scrobbler's batch that ListenBrainz takes
# must not be refused here. History reads anything past a day as an unknown length (`history.MAX_LISTEN_MS`).
MAX_DURATION_S = 24 * 24 * 3600


def _check_duration(info: dict[str, Any], key: str, per_ms: int) -> None:
    """ListenBrainz refuses a duration that is not a non-negative integer, and so does Encore: it was stored and
    shown back as sent (`1e+300`, `-100`; probe21a F5). The bound is ListenBrainz's, so a batch it takes is
    taken here too; what is longer than a day is kept, and history reads it as unknown."""
    value = info.get(key)
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _bad(f"Value for track_metadata.additional_info.{key} is invalid: it must be a non-negative integer.")
    if value * per_ms > MAX_DURATION_S * 1000:
        cap = MAX_DURATION_S * 1000 // per_ms
        raise _bad(f"Value for track_metadata.additional_info.{key} is too large: at most {cap} (24 days).")


def _dumps(item: dict[str, Any]) -> bytes:
    try:
        return orjson.dumps(item)
    except TypeError:  # an integer past 64 bits (only the stdlib parses those)
        return json.dumps(item, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass")


def _shown(text: str) -> str:
    """A scrobbler's text without bidirectional overrides and isolates (they reversed a name and the words
    after it on a shared Wrapped; probe25a M2), and with no tower of combining marks over the rows around it
    (`kernel.without_towers`, the first marks of each letter kept; review32a L1): as a history file's import and
    ingest keep them."""
    return text if text.isascii() else without_towers(without_bidi_controls(text))


def _shown_metadata(metadata: dict[str, Any]) -> dict[str, Any]:
    """What is kept of a playing-now's track_metadata: its names as a listen's are stored (`_shown`, stripped; a
    release name left empty goes), so the listener's playing-now never reads reversed where a listen would not."""
    kept = dict(metadata)
    for key in ("artist_name", "track_name", "release_name"):
        if isinstance(value := kept.get(key), str):
            kept[key] = _shown(value).strip()
    if kept.get("release_name") == "":
        del kept["release_name"]
    return kept


def _to_listen(item: Any, *, latest: int) -> ListenIn:
    metadata = _check_listen(item, playing_now=False)
    ts = item.get("listened_at")
    if ts is None:
        raise _bad("JSON document must contain the key listened_at at the top level.")
    if isinstance(ts, bool) or not isinstance(ts, int):
        raise _bad("JSON document contains an invalid listened_at: it must be an integer timestamp.")
    if ts < LISTEN_MINIMUM_TS:
        raise _bad(
            f"Value for key listened_at is too low. listened_at timestamp should be greater than {LISTEN_MINIMUM_TS}."
        )
    try:
        at = datetime.fromtimestamp(ts, UTC)
    except (OverflowError, OSError, ValueError):
        raise _bad("Value for key listened_at is too high.") from None
    if ts > latest:
        raise _bad("Value for key listened_at is too high: it is in the future.")
    info: dict[str, Any] = metadata.get("additional_info") or {}
    isrc, duration = (info.get("isrc"), _duration(metadata)) if info else (None, None)
    release = metadata.get("release_name")
    return ListenIn(  # positional: the order of ListenIn's fields
        at,
        _shown(metadata["artist_name"]).strip(),
        _shown(metadata["track_name"]).strip(),
        _shown(release).strip() or None if release else None,
        isrc.upper() if isinstance(isrc, str) and is_isrc(isrc.upper()) else None,
        int(duration.total_seconds() * 1000) if duration else None,
        info,
        None,
        ts,
    )


def _duration(metadata: dict[str, Any]) -> timedelta | None:
    info = metadata.get("additional_info") or {}
    ms = history.listen_duration_ms(info) if isinstance(info, dict) else None
    return None if ms is None else timedelta(milliseconds=ms)
