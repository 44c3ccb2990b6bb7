"""OpenSubsonic `songLyrics`: getLyricsBySongId (structured, synced lines in ms) and the legacy getLyrics."""

from encore import catalog, lyrics, playback
from encore.catalog import TrackView
from encore.web.subsonic._context import Ctx, method
from encore.web.subsonic._envelope import Payload
from encore.web.subsonic._ids import TRACK, public

MAX_QUERY = 300


def _artist(view: TrackView) -> str:
    return ", ".join(a.name for a in view.artists)


def _structured(view: TrackView, stored: lyrics.Stored) -> Payload:
    ly = stored.lyrics
    lines: list[Payload] = [
        {"start": line.start_ms, "value": line.text} if ly.synced else {"value": line.text} for line in ly.lines
    ]
    return {
        "displayArtist": _artist(view),
        "displayTitle": view.title,
        "lang": ly.language,
        "offset": ly.offset_ms,
        "synced": ly.synced,
        "line": lines,
    }


@method("getLyricsBySongId")
def get_lyrics_by_song_id(ctx: Ctx) -> Payload:
    track_id = public(ctx.params.require("id"), TRACK)
    view = catalog.track_view(ctx.session, track_id=track_id)
    stored = playback.readable_lyrics(ctx.session, user_id=ctx.user.id, track_id=track_id, now=ctx.now)
    structured = [_structured(view, stored)] if stored is not None else []
    return {"lyricsList": {"structuredLyrics": structured}}


def _matches(view: TrackView, artist: str) -> bool:
    wanted = catalog.fold(artist)
    return not wanted or any(catalog.fold(a.name) == wanted for a in view.artists)


@method("getLyrics")
def get_lyrics(ctx: Ctx) -> Payload:
    """Legacy Subsonic: plain text by artist and title (both matched case- and accent-insensitively)."""
    artist = (ctx.params.get("artist") or "")[:MAX_QUERY]
    title = (ctx.params.get("title") or "")[:MAX_QUERY]
    if not title.strip():
        return {"lyrics": {"value": ""}}
    ids = lyrics.tracks_with_lyrics_titled(ctx.session, title=title)
    views = catalog.track_views_by_ids(ctx.session, ids)
    for row_id in ids:
        view = views.get(row_id)
        if (
            view is None
            or not _matches(view, artist)
            or not playback.may_read_lyrics(ctx.session, user_id=ctx.user.id, track_id=view.id, now=ctx.now)
        ):
            continue
        stored = lyrics.lyrics_of(ctx.session, track_id=row_id)
        if stored is not None:
            text = "\n".join(line.text for line in stored.lyrics.lines)
            return {"lyrics": {"artist": _artist(view), "title": view.title, "value": text}}
    return {"lyrics": {"value": ""}}
