"""Lyrics: the player reads a track's lyrics; a label reads, writes or removes its own tracks' lyrics.

A label writes either JSON text (the dashboard's editor) or a raw `.lrc` file (any encoding the parser
accepts: UTF-8, or UTF-16/32 with a byte-order mark). Refusals: 413 past the size cap, 422 with the
line and reason otherwise; another label's track answers 404 like a missing one, and a track of a release the
operator took down 409 `taken_down` (catalog.hold_release: its words stay as they were until it is restored).
"""

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel, Field

from encore import labels, lyrics, playback
from encore.accounts import User
from encore.audit import kinds
from encore.catalog import Track
from encore.web._audit import note
from encore.web._deps import CurrentUser, Db, container
from encore.web._label_routes import OwnLabel
from encore.web._schemas import Strict
from encore.web._upload_gate import UploadLabel, UploadUser, receiving

router = APIRouter(prefix="/api", tags=["lyrics"])
Language = Annotated[str | None, Query(max_length=8, pattern=r"^[A-Za-z]{2,3}$")]


class LineOut(BaseModel):
    start_ms: int | None  # None for unsynced lyrics
    text: str


class LyricsOut(BaseModel):
    track_id: str
    synced: bool
    language: str  # ISO 639, "und" when unknown
    offset_ms: int  # LRC [offset:], already applied by the player when it highlights a line
    source: str  # sidecar | embedded | label
    lines: list[LineOut]
    lrc: str  # the canonical text, what the label editor shows


class LyricsIn(Strict):
    text: str  # the body cap (1 MiB) bounds it; past lyrics.MAX_BYTES the parser answers 413 in its words
    language: str | None = Field(default=None, max_length=8)


def _out(track_id: str, stored: lyrics.Stored) -> LyricsOut:
    ly = stored.lyrics
    return LyricsOut(
        track_id=track_id,
        synced=ly.synced,
        language=ly.language,
        offset_ms=ly.offset_ms,
        source=stored.source.value,
        lines=[LineOut(start_ms=line.start_ms, text=line.text) for line in ly.lines],
        lrc=lyrics.to_lrc(ly),
    )


@router.get("/tracks/{track_id}/lyrics")
def track_lyrics(track_id: str, request: Request, session: Db, user: CurrentUser) -> LyricsOut:
    """A listed track's lyrics (404 when it has none: the player hides its lyrics view), for a listener who
    may hear it: a pre-release's or a Premium exclusive's words are locked with its audio (403, its reason)."""
    now = container(request).clock.now()
    stored = playback.readable_lyrics(session, user_id=user.id, track_id=track_id, now=now)
    if stored is None:
        raise lyrics.LyricsMissing("this track has no lyrics")
    return _out(track_id, stored)


@router.get("/label/{label_id}/tracks/{track_id}/lyrics")
def label_track_lyrics(track_id: str, session: Db, label: OwnLabel) -> LyricsOut | None:
    """The editor's view of one own track: its lyrics, or null when it has none yet."""
    track = labels.owned_track(session, label_id=label.row_id, track_id=track_id)
    stored = lyrics.lyrics_of(session, track_id=track.id)
    return _out(track_id, stored) if stored is not None else None


def _held(session: Db, label: labels.LabelInfo, track_id: str) -> Track:
    """The label's own track, its release held for a lyrics write (409 `taken_down` while the operator has it
    taken down). Lyrics are no catalogue row: the catalogue's version, and every node's cached views, stay
    (review23n F3: each save cleared them all)."""
    return labels.held_track(session, label_id=label.row_id, track_id=track_id, moves_catalogue=False)


def _save(  # noqa: PLR0917 - the routes' parameters, passed straight through
    request: Request, session: Db, label: labels.LabelInfo, user: User, track_id: str, parsed: lyrics.Lyrics
) -> LyricsOut:
    track = labels.owned_track(session, label_id=label.row_id, track_id=track_id)
    lyrics.check_fits(parsed, duration_ms=track.duration_ms)
    lyrics.save_lyrics(session, track_id=track.id, lyrics=parsed, source=lyrics.Source.LABEL)
    note(request, session, kinds.LABEL_EDIT, actor=user, label=label.id, track=track_id, fields=["lyrics"])
    return _out(track_id, lyrics.Stored(parsed, lyrics.Source.LABEL))


@router.put("/label/{label_id}/tracks/{track_id}/lyrics")
def put_lyrics(
    *, track_id: str, body: LyricsIn, request: Request, session: Db, label: OwnLabel, user: CurrentUser
) -> LyricsOut:
    """Write a track's lyrics as text: LRC (`[mm:ss.xx]line`) for synced lyrics, anything else as plain."""
    _held(session, label, track_id)  # 404 or 409 before parsing anything
    parsed = lyrics.parse(body.text, language=body.language)
    return _save(request, session, label, user, track_id, parsed)


async def _raw_body(request: Request, user: UploadUser) -> bytes:
    """The body, read only up to one byte past the lyrics cap (the parser refuses it then, 413), as an upload:
    after the caller's check, in one of the account's upload slots (`_upload_gate`). A multipart form is refused
    (415) before it is read: its MIME boundary was parsed as the first lyric line (probe21a F5)."""
    if request.headers.get("content-type", "").strip().lower().startswith("multipart/"):  # form-data, mixed...
        raise HTTPException(415, detail={"code": "multipart_not_accepted", "message": _NOT_MULTIPART})
    data = bytearray()
    async with receiving(request, user) as body:
        async for chunk in body.stream():
            data += chunk
            if len(data) > lyrics.MAX_BYTES:
                break
    return bytes(data)


_NOT_MULTIPART = (
    "Send the .lrc file's bytes as the request body (Content-Type: text/plain or application/octet-stream),"
    " not as a multipart form."
)
_FILE_BODY = {"type": "string", "format": "binary"}


@router.put(
    "/label/{label_id}/tracks/{track_id}/lyrics/file",
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "The bytes of an .lrc or text file, not a multipart form",
            "content": {kind: {"schema": _FILE_BODY} for kind in ("text/plain", "application/octet-stream")},
        }
    },
    responses={
        413: {"description": "Past the lyrics size cap"},
        415: {"description": "A multipart form (`multipart_not_accepted`): send the file's bytes as the body"},
        422: {"description": "The lyrics cannot be read, with the line and the reason"},
    },
)
def put_lyrics_file(
    *,
    track_id: str,
    request: Request,
    label: UploadLabel,
    user: UploadUser,
    data: Annotated[bytes, Depends(_raw_body)],
    session: Db,
    language: Language = None,
) -> LyricsOut:
    """Write a track's lyrics from the bytes of an `.lrc` or text file (UTF-8, or UTF-16/32 with a BOM)."""
    _held(session, label, track_id)  # not while taken down (409)
    parsed = lyrics.from_bytes(data, language=language)
    return _save(request, session, label, user, track_id, parsed)


class DeletedOut(BaseModel):
    deleted: bool  # false: the track had no lyrics (deleting twice is not an error)


@router.delete("/label/{label_id}/tracks/{track_id}/lyrics")
def delete_lyrics(*, track_id: str, request: Request, session: Db, label: OwnLabel, user: CurrentUser) -> DeletedOut:
    track = _held(session, label, track_id)  # not while taken down (409)
    deleted = lyrics.drop_lyrics(session, track_id=track.id)
    if deleted:
        note(request, session, kinds.LABEL_EDIT, actor=user, label=label.id, track=track_id, fields=["lyrics"])
    return DeletedOut(deleted=deleted)
