"""Playback: hand out signed stream URLs and take playback reports."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Body, Query, Request
from pydantic import BaseModel

from encore import catalog, history, playback, portability
from encore.kernel import is_public_id
from encore.web._deps import CurrentUser, Db, container
from encore.web._mappers import track_out
from encore.web._schemas import PlayOut, PlayReportIn, StreamOut, StreamRequest

router = APIRouter(prefix="/api", tags=["playback"])


# No body is `{}`, the usual rendition (probe18: "The request is required." told an API user nothing; the player
# always sends `{}`, and a bare POST asks for nothing else).
DefaultStream = Annotated[StreamRequest | None, Body()]


@router.post("/tracks/{track_id}/stream")
def stream_url(
    track_id: str, request: Request, session: Db, user: CurrentUser, body: DefaultStream = None
) -> StreamOut:
    body = body or StreamRequest()
    c = container(request)
    try:
        issued = playback.music_url(
            session,
            user_id=user.id,
            user_public_id=user.public_id,
            track_id=track_id,
            requested=body.rendition,
            data_saver=body.data_saver,
            settings=c.settings,
            keyring=c.keyring.get(),
            clocks=c.ad_clocks,
            now=c.clock.now(),
        )
    except playback.StreamRefused:
        session.commit()  # the refusal stands even across a restart: keep the owed ad the decision recorded
        raise
    return StreamOut(
        url=issued.url,
        expires_at=issued.expires_at,
        rendition=issued.rendition,
        mime=issued.mime,
        gain_db=issued.gain_db,
    )


@router.post("/plays")
def report_play(body: PlayReportIn, request: Request, session: Db, user: CurrentUser) -> PlayOut:
    """History and Wrapped only: what a client reports never pays anyone (labels count verified streams)."""
    c = container(request)
    now = c.clock.now()
    play = playback.report_client_play(
        session,
        user_id=user.id,
        play=playback.ClientPlay(
            track_id=body.track_id,
            client_play_id=body.play_id,
            started_at=body.started_at,
            ms_played=body.ms_played,
            state=body.state,
            context_type=body.context_type,
            context_id=body.context_id,
            device=body.device,
            shuffle=body.shuffle,
        ),
        now=now,
        # a play deleted from history while it still played (or in a range forgotten) is refused, 409 play_forgotten
        forgotten=portability.forgotten_lately(session, user_id=user.id, now=now, state=c.state),
    )
    return PlayOut(play_id=play.client_play_id, ms_played=play.ms_played, state=play.state, is_listen=play.is_listen)


@router.get("/me/recent")
def recent(session: Db, user: CurrentUser) -> list[dict[str, object]]:
    plays = history.recent_plays(session, user_id=user.id, limit=50)
    # The track rides along so the player's home (recently played, continue listening) needs one request.
    # (a withdrawn track among them is kept, marked not playable, as the full history keeps it)
    views = catalog.tracks_by_ids(session, ids=[p.track_id for p in plays if p.track_id is not None], unpublished=True)
    return [
        {
            "play_id": p.client_play_id,
            "started_at": p.started_at,
            "ms_played": p.ms_played,
            "state": p.state,
            "track": track_out(views[p.track_id]) if p.track_id in views else None,
        }
        for p in plays
    ]


class LockOut(BaseModel):
    reason: str
    release_at: datetime | None


@router.get("/me/locks")
def locks(
    request: Request, session: Db, user: CurrentUser, ids: Annotated[str, Query(max_length=5000)]
) -> dict[str, LockOut]:
    """The tracks among `ids` this listener may not play now, with the reason: lists draw a lock before a click."""
    now = container(request).clock.now()
    wanted = [i for i in ids.split(",")[: playback.MAX_LOCK_IDS] if is_public_id(i)]  # no id, no lock (nor NUL)
    found = playback.locked_tracks(session, user_id=user.id, track_ids=wanted, now=now)
    return {track_id: LockOut(reason=lock.reason, release_at=lock.release_at) for track_id, lock in found.items()}
