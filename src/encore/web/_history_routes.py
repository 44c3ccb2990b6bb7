"""The listener's full history for the player's history page: browse with filters, forget plays.

Thin handlers: parse, one history or portability call, map. Import and export are in
_portability_routes; a range or everything is forgotten by a job (GET /api/me/jobs/{id} for progress).
"""

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response

from encore import catalog, history, portability
from encore.web._bounds import Instant
from encore.web._deps import CurrentUser, Db, container
from encore.web._job_routes import job_json
from encore.web._mappers import track_out

router = APIRouter(prefix="/api/me/history", tags=["history"])


@router.get("")
def browse(
    *,
    session: Db,
    user: CurrentUser,
    since: Instant | None = None,
    until: Instant | None = None,
    q: Annotated[str, Query(max_length=history.MAX_TEXT)] = "",
    source: Annotated[str | None, Query(max_length=16)] = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> dict[str, object]:
    flt = history.HistoryFilter(since=since, until=until, text=q, source=source)
    page = history.browse_history(session, user_id=user.id, flt=flt, cursor=cursor, limit=limit)
    # a withdrawn track stays in the record, marked not playable
    views = catalog.tracks_by_ids(
        session, ids=[r.track_id for r in page.rows if r.track_id is not None], unpublished=True
    )
    items = [
        {
            "play_id": r.play_id,
            "played_at": r.started_at,
            "ms_played": r.ms_played,
            "state": r.state,
            "imported": r.source == history.IMPORTED,
            "source": r.source,
            "is_listen": r.is_listen,
            "artist_name": r.artist_name,
            "track_name": r.track_name,
            "release_name": r.release_name,
            # a catalogue track rides along, so the row plays; a listen kept by text has none
            "track": track_out(views[r.track_id]) if r.track_id in views else None,
        }
        for r in page.rows
    ]
    return {"items": items, "next": page.next_cursor, "total": page.total}


@router.delete("/plays/{play_id}", status_code=204)
def forget_play(
    play_id: Annotated[str, Path(max_length=64)], request: Request, session: Db, user: CurrentUser
) -> Response:
    c = container(request)
    portability.forget_play(session, jobs=c.jobs, user_id=user.id, play_id=play_id, state=c.state)
    return Response(status_code=204)


@router.delete("", status_code=202)
def forget_range(
    *,
    request: Request,
    session: Db,
    user: CurrentUser,
    since: Instant | None = None,
    until: Instant | None = None,
    everything: bool = False,
) -> dict[str, object]:
    """Forget the plays in [since, until), or every play with everything=true, as a job."""
    c = container(request)
    view = portability.submit_forget(
        session, jobs=c.jobs, user_id=user.id, since=since, until=until, everything=everything, now=c.clock.now()
    )
    return job_json(view)
