"""ListenBrainz's /1/stats/user/{name}/...: the top lists Encore counts live, and 204 for the rest.

Encore ranks a listener's artists and recordings over all their listens (history's top lists, the same as
/v1/me/top's `long_term`), so `range=all_time` of those two answers with data. ListenBrainz's other ranges
(week, month, this_year...) and its other statistics (releases, listening activity...) are not computed by
Encore: they answer 204, which ListenBrainz documents as "statistics for the user haven't been calculated" and
liblistenbrainz reads as "none". As with listens, only the listener's own token sees their statistics.
"""

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request, Response
from sqlalchemy.orm import Session

from encore import catalog, history
from encore.web._deps import Db, container
from encore.web.listenbrainz._payload import LBError
from encore.web.listenbrainz._routes import error_response, owner
from encore.web.listenbrainz._views import DEFAULT_COUNT, MAX_ITEMS_PER_GET, int_param

router = APIRouter(prefix="/1/stats/user", tags=["listenbrainz"])

RANGES = frozenset(
    {"week", "month", "quarter", "half_yearly", "year", "this_week", "this_month", "this_year", "all_time"}
)
COMPUTED = {"artists": "total_artist_count", "recordings": "total_recording_count"}
NOT_COMPUTED = frozenset(
    {
        "releases",
        "release-groups",
        "listening-activity",
        "daily-activity",
        "artist-map",
        "era-activity",
        "artist-activity",
        "genre-activity",
    }
)
ALL_TIME = "long_term"  # history's name for everything Encore has heard


def _artists(session: Session, user_id: int, count: int, offset: int, now: datetime) -> tuple[list[Any], int]:
    ranked, total = history.top_artists(
        session, user_id=user_id, time_range=ALL_TIME, limit=count, offset=offset, now=now
    )
    found = catalog.artists_by_ids(session, ids=[r.entity_id for r in ranked])
    rows = [
        {"artist_name": found[r.entity_id].name, "artist_mbids": [], "listen_count": r.listens}
        for r in ranked
        if r.entity_id in found
    ]
    return rows, total


def _recordings(session: Session, user_id: int, count: int, offset: int, now: datetime) -> tuple[list[Any], int]:
    ranked, total = history.top_tracks(
        session, user_id=user_id, time_range=ALL_TIME, limit=count, offset=offset, now=now
    )
    views = catalog.tracks_by_ids(session, ids=[r.entity_id for r in ranked])
    rows = [
        {
            "track_name": views[r.entity_id].title,
            "artist_name": ", ".join(a.name for a in views[r.entity_id].artists),
            "release_name": views[r.entity_id].album_title,
            "artist_mbids": [],
            "listen_count": r.listens,
        }
        for r in ranked
        if r.entity_id in views
    ]
    return rows, total


@router.get("/{name}/{entity}", response_model=None)
def user_stats(name: str, entity: str, request: Request, session: Db) -> Any:
    try:
        user = owner(request, session, name)
        if entity not in COMPUTED and entity not in NOT_COMPUTED:
            raise LBError(404, "Not found.")
        stats_range = request.query_params.get("range") or "all_time"
        if stats_range not in RANGES:
            raise LBError(400, f"Invalid range: {stats_range[:40]}")
        asked = int_param(request.query_params, "count")
        count = DEFAULT_COUNT if asked is None else min(asked, MAX_ITEMS_PER_GET)
        offset = int_param(request.query_params, "offset") or 0
    except LBError as exc:
        return error_response(exc)
    if entity not in COMPUTED or stats_range != "all_time":
        return Response(status_code=204)
    now = container(request).clock.now()
    rows, total = (_artists if entity == "artists" else _recordings)(session, user.id, count, offset, now)
    if total == 0:
        return Response(status_code=204)  # nothing to rank yet: what ListenBrainz says before its first run
    stamp = int(now.timestamp())
    return {
        "payload": {
            "user_id": user.username,
            entity: rows,
            "count": len(rows),
            COMPUTED[entity]: total,
            "offset": offset,
            "range": stats_range,
            "from_ts": 0,
            "to_ts": stamp,
            "last_updated": stamp,
        }
    }
