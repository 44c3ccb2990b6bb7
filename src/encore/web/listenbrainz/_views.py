"""Query parsing and listen JSON for the ListenBrainz read endpoints."""

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from sqlalchemy.orm import Session

from encore import history
from encore.history import ListenView
from encore.kernel import from_epoch
from encore.web.listenbrainz._payload import LBError

DEFAULT_COUNT = 25
MAX_ITEMS_PER_GET = 1_000


def int_param(params: Mapping[str, str], name: str) -> int | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 12:  # "--5" and "²" passed isdigit, then int() raised
        raise LBError(400, f"'{name}' should be a non-negative integer")
    return int(raw)


def parse_range(params: Mapping[str, str]) -> tuple[datetime | None, datetime | None, int]:
    min_ts, max_ts = int_param(params, "min_ts"), int_param(params, "max_ts")
    count = int_param(params, "count")
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


MAX_MSID = 64  # what a listen's id can be (plays.client_play_id)
MAX_DELETION = 4096  # two fields; a longer document is not a deletion


def parse_deletion(raw: bytes | None) -> tuple[int, str]:
    """`{"listened_at": int, "recording_msid": str}`, as ListenBrainz's /1/delete-listen takes it."""
    if raw is None or len(raw) > MAX_DELETION:
        raise LBError(413, "Payload too large.")
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise LBError(400, "Cannot parse JSON document.") from None
    if not isinstance(body, dict):
        raise LBError(400, "The document should be a JSON object.")
    listened_at, msid = body.get("listened_at"), body.get("recording_msid")
    if not isinstance(listened_at, int) or isinstance(listened_at, bool) or from_epoch(listened_at) is None:
        raise LBError(400, "listened_at should be an integer timestamp between 1970 and 9999.")
    if not isinstance(msid, str) or not msid or len(msid) > MAX_MSID or "\x00" in msid:
        raise LBError(400, f"recording_msid should be a listen's recording_msid (at most {MAX_MSID} characters).")
    return listened_at, msid


def the_listen(session: Session, *, user_id: int, listened_at: int, msid: str) -> bool:
    """Whether the listener has a listen with this msid, listened at that second (as their listens show it)."""
    at = datetime.fromtimestamp(listened_at, UTC)  # in 1970..9999: parse_deletion checked it
    window = timedelta(seconds=1)
    second = history.user_listens(
        session, user_id=user_id, min_ts=at - window, max_ts=at + window, count=MAX_ITEMS_PER_GET
    )
    return any(v.recording_msid == msid and int(v.listened_at.timestamp()) == listened_at for v in second)
