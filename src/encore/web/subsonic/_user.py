"""The listener's own things: stars, ratings, scrobbles, the play queue, the user record."""

from datetime import datetime

from encore import library, playback, portability
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


@method("scrobble", writes=True)
def scrobble(ctx: Ctx) -> Payload:
    """Into the same plays table as the web player (`playback.scrobble`). A submission is a finished listen;
    otherwise 'now playing'."""
    p = ctx.params
    ids = [public(raw, TRACK) for raw in p.all("id")]
    if not ids:
        raise SubsonicError(10, "required parameter is missing: id")
    submission = p.boolean("submission", True)
    times = [_time(raw, submission=submission) for raw in p.all("time")[: len(ids)]]
    plays = [playback.Scrobble(track_id, times[i] if i < len(times) else None) for i, track_id in enumerate(ids)]
    # a play the listener deleted lately (an app's retry): dropped, not an error; and the listen of a play deleted
    # lately, sent again under an id of its own (a now-playing's), or its "now playing" sent again on resume
    forgotten, forgotten_listen = portability.forgotten_scrobbles(
        ctx.session, jobs=ctx.container.jobs, user_id=ctx.user.id, now=ctx.now, state=ctx.container.state
    )
    try:
        playback.scrobble(
            ctx.session,
            user_id=ctx.user.id,
            plays=plays,
            submission=submission,
            device=ctx.client or "subsonic",
            now=ctx.now,
            forgotten=forgotten,
            forgotten_listen=forgotten_listen,
        )
    except playback.PlayRefused:
        raise SubsonicError(NOT_AUTHORIZED, "this account may not play this track yet") from None
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


def _time(raw_time: str, *, submission: bool) -> datetime | None:
    """A scrobble's `time`: milliseconds since the epoch; when the listen began, for a submission only."""
    if not (raw_time.isascii() and raw_time.isdigit() and len(raw_time) <= 15):
        raise SubsonicError(GENERIC, "time must be milliseconds since the epoch")
    if not submission:
        return None
    started = from_epoch(int(raw_time) / 1000)
    if started is None:
        raise SubsonicError(GENERIC, "time must be milliseconds since the epoch, between 1970 and 9999")
    return started
