"""`is_playable` on /v1 track objects in Spotify's meaning: this caller may play the track now (their tier and
the label's availability: Premium exclusives, pre-releases before their date), and it is still in the catalogue
(a withdrawn release's tracks stay in playlists and saved tracks, not playable). `market` changes nothing:
Encore has one. The answer is the one stream decision's (`playback.locked_tracks`), read once for every track of
a response, never cached: a caller who subscribes, or a pre-release that opens, shows on the next request."""

from collections.abc import Iterator
from datetime import datetime
from typing import TypeVar

from pydantic import BaseModel
from sqlalchemy.orm import Session

from encore import playback
from encore.web.spotify import _schemas as s

M = TypeVar("M", bound=BaseModel)
_FALSE, _TRUE = b'"is_playable":false', b'"is_playable":true'


def _tracks(node: object) -> Iterator[s.TrackSimple]:
    if isinstance(node, s.TrackSimple):
        yield node
    if isinstance(node, BaseModel):
        for name in type(node).model_fields:
            yield from _tracks(getattr(node, name))
    elif isinstance(node, list):
        for item in node:
            yield from _tracks(item)


def mark_playable(session: Session, *, user_id: int | None, now: datetime, response: M) -> M:
    """Set `is_playable` on every track object inside `response` (a model built by _shapes) and return it."""
    tracks = list(_tracks(response))
    if tracks:
        ids = [t.id for t in tracks]
        locked = playback.locked_tracks(session, user_id=user_id, track_ids=ids, now=now, unlisted=True)
        for t in tracks:
            t.is_playable = t.id not in locked
    return response


def playable_json(session: Session, *, user_id: int | None, now: datetime, track_id: str, body: bytes) -> bytes:
    """One track's cached JSON (built with `is_playable: true`, shared by every caller) for this caller."""
    if playback.locked_tracks(session, user_id=user_id, track_ids=[track_id], now=now, unlisted=True):
        return body.replace(_TRUE, _FALSE, 1)  # a Track holds one is_playable: its album has none
    return body
