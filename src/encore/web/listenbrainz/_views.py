"""Query parsing and listen JSON for the ListenBrainz read endpoints."""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from encore.history import ListenView
from encore.kernel import from_epoch
from encore.web.listenbrainz._payload import LBError

DEFAULT_COUNT = 25
MAX_ITEMS_PER_GET = 1_000


def _int_param(params: Mapping[str, str], name: str) -> int | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 12:  # "--5" and "²" passed isdigit, then int() raised
        raise LBError(400, f"'{name}' should be a non-negative integer")
    return int(raw)


def parse_range(params: Mapping[str, str]) -> tuple[datetime | None, datetime | None, int]:
    min_ts, max_ts = _int_param(params, "min_ts"), _int_param(params, "max_ts")
    count = _int_param(params, "count")
    if min_ts is not None and max_ts is not None and max_ts <= min_ts:
        raise LBError(400, "max_ts should be greater than min_ts")
    count = DEFAULT_COUNT if count is None else min(count, MAX_ITEMS_PER_GET)
    return _instant(min_ts, "min_ts"), _instant(max_ts, "max_ts"), count


def _instant(ts: int | None, name: str) -> datetime | None:
    if ts is None:
        return None
    at = from_epoch(ts)
    if at is None:
        raise LBError(400, f"'{name}' should be a timestamp between 1970 and 9999")
    return at


def listen_json(view: ListenView, user_name: str) -> dict[str, Any]:
    metadata: dict[str, Any] = {"artist_name": view.artist_name, "track_name": view.track_name}
    if view.release_name:
        metadata["release_name"] = view.release_name
    info = dict(view.additional_info)
    if view.track_public_id:
        info.setdefault("encore_track_id", view.track_public_id)
    if info:
        metadata["additional_info"] = info
    return {
        "listened_at": int(view.listened_at.timestamp()),
        "inserted_at": int(view.inserted_at.timestamp()),
        "recording_msid": view.recording_msid,
        "user_name": user_name,
        "track_metadata": metadata,
    }
