"""The listener's own things: stars, ratings, scrobbles, the play queue, the user record."""

import hashlib
from datetime import datetime, timedelta

from encore import catalog, history, library, playback, portability
from encore.kernel import from_epoch
from encore.library import SavedKind
from encore.web.subsonic._browse import song_payloads
from encore.web.subsonic._context import Ctx, method
from encore.web.subsonic._envelope import GENERIC, NOT_AUTHORIZED, Payload, SubsonicError
from encore.web.subsonic._ids import ALBUM, ARTIST, TRACK, parse, public, sid
from encore.web.subsonic._map import when

_KIND: dict[str, SavedKind] = {TRACK: "track", ALBUM: "album", ARTIST: "artist"}


def _star_targets(ctx: Ctx) -> dict[SavedKind, list[str]]:
    p = ctx.params
    targets: dict[SavedKind, list[str]] = {"track": [], "album": [], "artist": []}
    for raw in p.all("id"):
        kind, public_id = parse(raw, TRACK, ALBUM, ARTIST)
        targets[_KIND[kind]].append(public_id)
    targets["album"] += [public(raw, ALBUM) for raw in p.all("albumId")]
    targets["artist"] += [public(raw, ARTIST) for raw in p.all("artistId")]
    return targets


@method("star", writes=True)
def star(ctx: Ctx) -> Payload:
    for kind, ids in _star_targets(ctx).items():
        if ids:
            library.save_items(ctx.session, user_id=ctx.user.id, kind=kind, ids=ids, now=ctx.now)
    return {}


@method("unstar", writes=True)
def unstar(ctx: Ctx) -> Payload:
    for kind, ids in _star_targets(ctx).items():
        if ids:
            library.unsave_items(ctx.session, user_id=ctx.user.id, kind=kind, ids=ids)
    return {}


@method("setRating", writes=True)
def set_rating(ctx: Ctx) -> Payload:
    kind, public_id = parse(ctx.params.require("id"), TRACK, ALBUM, ARTIST)
    rating = ctx.params.integer("rating", -1, lo=0, hi=5)
    if rating < 0:
        raise SubsonicError(10, "required parameter is missing: rating")
    library.set_rating(
        ctx.session, user_id=ctx.user.id, kind=_KIND[kind], item_id=public_id, rating=rating, now=ctx.now
    )
    return {}


def _play_id(user_id: int, track_id: str, at: datetime, tag: str) -> str:
    digest = hashlib.sha256(f"{user_id}:{track_id}:{at.isoformat()}:{tag}".encode()).hexdigest()
    return f"subsonic-{digest[:40]}"


@method("scrobble", writes=True)
def scrobble(ctx: Ctx) -> Payload:
    """Into the same plays table as the web player. A submission is a finished listen; otherwise 'now playing'."""
    p = ctx.params
    ids = [public(raw, TRACK) for raw in p.all("id")]
    if not ids:
        raise SubsonicError(10, "required parameter is missing: id")
    times = p.all("time")
    submission = p.boolean("submission", True)
    for index, track_id in enumerate(ids):
        track = catalog.listed_track_row(ctx.session, track_id=track_id)  # an ad is not a listen
        if not playback.may_hear(ctx.session, user_id=ctx.user.id, track_id=track_id, now=ctx.now).allowed:
            raise SubsonicError(NOT_AUTHORIZED, "this account may not play this track yet")
        raw_time = times[index] if index < len(times) else None
        if raw_time is not None and not (raw_time.isascii() and raw_time.isdigit() and len(raw_time) <= 15):
            raise SubsonicError(GENERIC, "time must be milliseconds since the epoch")
        if submission:
            started = _started(raw_time) if raw_time else ctx.now - timedelta(milliseconds=track.duration_ms)
            elapsed = int((ctx.now - started).total_seconds() * 1000)
            played, state = max(0, min(track.duration_ms, elapsed)), "ended"
            # the "now playing" row this listen finishes, if the app sent one: one listen, one row
            since = started - timedelta(minutes=10)
            play_id = history.open_play_id(ctx.session, user_id=ctx.user.id, track_id=track.id, since=since)
        else:
            started, played, state, play_id = ctx.now, 0, "playing", None
        report = history.PlayReport(
            client_play_id=play_id or _play_id(ctx.user.id, track_id, started, state),
            track_id=track.id,
            track_duration_ms=track.duration_ms,
            started_at=started,
            ms_played=played,
            state=state,
            device=ctx.client or "subsonic",
            source="subsonic",
        )
        try:
            forgotten = portability.forgotten_lately(
                ctx.session, user_id=ctx.user.id, now=ctx.now, state=ctx.container.state
            )
            history.report_play(ctx.session, user_id=ctx.user.id, report=report, now=ctx.now, forgotten=forgotten)
        except history.PlayForgotten:
            continue  # a scrobble of a play the listener deleted lately (an app's retry): dropped, not an error
    return {}


@method("getPlayQueue")
def get_play_queue(ctx: Ctx) -> Payload:
    queue = library.get_play_queue(ctx.session, user_id=ctx.user.id)
    if queue is None:
        return {}
    # a track withdrawn since the queue was saved is left out (a client would play it); so is it as `current`
    tracks = [t for t in queue.tracks if t.playable]
    current = queue.current if any(t.id == queue.current for t in tracks) else None
    return {
        "playQueue": {
            "current": sid(TRACK, current) if current else None,
            "position": queue.position_ms if current else 0,
            "username": ctx.user.username,
            "changed": when(queue.changed_at),
            "changedBy": queue.changed_by,
            "entry": song_payloads(ctx, tracks),
        }
    }


@method("savePlayQueue", writes=True)
def save_play_queue(ctx: Ctx) -> Payload:
    p = ctx.params
    ids = [public(raw, TRACK) for raw in p.all("id")]
    current = p.get("current")
    library.save_play_queue(
        ctx.session,
        user_id=ctx.user.id,
        track_ids=ids,
        current=public(current, TRACK) if current else None,
        position_ms=p.integer("position", 0, lo=0, hi=7 * 24 * 3600 * 1000),
        changed_by=ctx.client or "subsonic",
        now=ctx.now,
    )
    return {}


def user_payload(ctx: Ctx) -> Payload:
    admin = ctx.user.role == "admin"
    return {
        "username": ctx.user.username,
        "email": ctx.user.email,
        "scrobblingEnabled": True,
        "adminRole": admin,
        "settingsRole": False,
        "downloadRole": True,
        "uploadRole": admin,
        "playlistRole": True,
        "coverArtRole": False,
        "commentRole": False,
        "podcastRole": False,
        "streamRole": True,
        "jukeboxRole": False,
        "shareRole": False,
        "videoConversionRole": False,
        "folder": [1],
    }


@method("getUser")
def get_user(ctx: Ctx) -> Payload:
    name = ctx.params.require("username")
    if name.casefold() != ctx.user.username_key:
        raise SubsonicError(NOT_AUTHORIZED, "you may see only your own user")
    return {"user": user_payload(ctx)}


@method("tokenInfo")
def token_info(ctx: Ctx) -> Payload:
    return {"tokenInfo": {"username": ctx.user.username}}


def _started(raw_time: str) -> datetime:
    started = from_epoch(int(raw_time) / 1000)
    if started is None:
        raise SubsonicError(GENERIC, "time must be milliseconds since the epoch, between 1970 and 9999")
    return started
