"""stream, download, getCoverArt, getAvatar. Files come only from the media store, found by id."""

import hashlib
import io
import re
import threading
from collections.abc import Iterator
from dataclasses import replace

from fastapi.responses import FileResponse, Response

from encore import catalog, library, playback
from encore.streaming import MIME, TranscodeSlot, choose_delivery, media_file_for, stored_track, transcode_mp3
from encore.web._conditional import etag_matches
from encore.web._stream_route import byte_path, record_verified_now
from encore.web.subsonic._context import Ctx, method
from encore.web.subsonic._counted import BytePathResponse, TranscodeResponse
from encore.web.subsonic._envelope import GENERIC, NOT_AUTHORIZED, NOT_FOUND, SubsonicError
from encore.web.subsonic._ids import ALBUM, ARTIST, TRACK, parse_cover, public

ART_SIZES = (64, 300, 640)
_ART_KEY = re.compile(r"^[0-9a-f]{64}$")
COVER_ART_MAX_AGE = 3600  # getCoverArt: how stale a replaced cover may be in an HTTP cache
_MAX_OFFSET_S = 24 * 3600


def _fitted(data: Iterator[bytes], length: int) -> Iterator[bytes]:
    """Exactly `length` bytes: an estimated Content-Length must match the body, so trim or pad."""
    sent = 0
    for block in data:
        chunk = block[: length - sent]
        sent += len(chunk)
        if chunk:
            yield chunk
        if sent >= length:
            return
    while sent < length:
        pad = min(64 * 1024, length - sent)
        sent += pad
        yield b"\0" * pad


def _guarded(data: Iterator[bytes], slot: TranscodeSlot) -> Iterator[bytes]:
    try:
        for block in data:
            slot.keep()
            yield block
    finally:
        slot.release()


def _refusal(reason: str) -> tuple[int, str]:
    if reason == "malformed_format":
        return GENERIC, "format must be a format name such as raw, mp3, ogg or opus (letters and digits)"
    if reason == "no_rendition":
        return NOT_FOUND, "this track has no stored audio to send"
    return NOT_FOUND, reason


def _serve(ctx: Ctx, *, raw_only: bool) -> Response:
    p = ctx.params
    offset = 0 if raw_only else p.integer("timeOffset", 0, lo=0, hi=_MAX_OFFSET_S)
    target = _playable(ctx, public(p.require("id"), TRACK))
    if target.ad_break_id is not None:
        offset = 0  # an ad plays from its start: a time offset must not skip it
    stored = stored_track(ctx.session, store=ctx.container.store, track_id=target.track_id)
    delivery = choose_delivery(
        fmt="raw" if raw_only else p.get("format"),
        max_kbps=p.integer("maxBitRate", 0, lo=0, hi=100_000),
        offset_s=offset,
        available=frozenset(stored.files),
    )
    if delivery.mode is None or delivery.rendition is None:
        raise SubsonicError(*_refusal(delivery.reason))
    if delivery.mode != "file" and offset * 1000 >= stored.duration_ms:
        # The transcode would start past its last frame: 200 with no bytes, which a client took for a track that
        # played. An error says why (Navidrome hands the offset to ffmpeg and sends what comes out, nothing).
        length = stored.duration_ms // 1000
        raise SubsonicError(GENERIC, f"timeOffset {offset} s is at or past the end of the track ({length} s long)")
    path = stored.files[delivery.rendition]
    ad = {"X-Encore-Ad-Break": target.ad_break_id} if target.ad_break_id else {}
    track = None if ad else target.track_id  # a free listener's music is charged as it is sent; never an ad
    if delivery.mode == "file":
        media = media_file_for(path, MIME[delivery.rendition])
        if media is None:
            raise SubsonicError(NOT_FOUND, "no such file")
        return BytePathResponse(
            byte_path(ctx.container, cache_size=0),
            user=ctx.user.public_id,
            track=target.track_id,
            rendition=delivery.rendition,
            media=replace(media, duration_ms=stored.duration_ms, music=not ad),
            headers={"Cache-Control": "no-store" if ad else "private", **ad},
        )
    slot = ctx.container.transcodes.try_acquire()
    if slot is None:
        raise SubsonicError(
            GENERIC, "too many transcodes at once; retry in a few seconds", http_status=503, retry_after=5
        )
    body: Iterator[bytes] = _guarded(transcode_mp3(path, kbps=delivery.kbps, offset_s=offset), slot)
    gone = threading.Event()  # set when the response stops sending: a paced hold ends uncharged
    body = playback.counted_transcode(
        body,
        taps=_taps(ctx, track),
        kbps=delivery.kbps,
        offset_ms=offset * 1000,
        duration_ms=stored.duration_ms,
        pace=_pace(ctx),
        verifying=_verifying(ctx, target.track_id, f"mp3-{delivery.kbps}", stored.duration_ms, ad=track is None),
        hold=gone.wait,
    )
    headers = {
        "Cache-Control": "no-store",
        "X-Content-Duration": str(max(stored.duration_ms // 1000 - offset, 0)),
        **ad,
    }
    if p.boolean("estimateContentLength"):
        seconds = max(stored.duration_ms / 1000 - offset, 0)
        length = int(seconds * delivery.kbps * 1000 / 8)
        body = _fitted(body, length)
        headers["Content-Length"] = str(length)
    return TranscodeResponse(body, gone=gone, media_type="audio/mpeg", headers=headers)


def _playable(ctx: Ctx, track_id: str) -> playback.Playable:
    """The track's audio, or the ad of the break this listener owes (`playback.playable`: Subsonic apps have no
    ad screen, so the server swaps the audio)."""
    try:
        return playback.playable(
            ctx.session,
            user_id=ctx.user.id,
            user_public_id=ctx.user.public_id,
            track_id=track_id,
            interval_s=ctx.container.settings.ad_interval,
            now=ctx.now,
            clocks=ctx.container.ad_clocks,
        )
    except playback.StreamRefused as e:  # its sentence, and its code for a client that reads one
        raise SubsonicError(NOT_AUTHORIZED, f"{e.message} ({e.code})") from None


def _taps(ctx: Ctx, track_id: str | None) -> playback.TapFactory:
    """The clock tap for this response, taken when it starts sending; none for ad audio."""
    book, user, interval = ctx.container.ad_clocks, ctx.user.public_id, ctx.container.settings.ad_interval
    return lambda: None if track_id is None else book.tap(user, track_id, interval_s=interval)


def _pace(ctx: Ctx) -> playback.Pace:
    """The free tier's pacing, as on the byte path: (burst ms, speed x real time)."""
    settings = ctx.container.settings
    return lambda: (settings.free_burst_s * 1000, settings.free_pace_x)


def _verifying(ctx: Ctx, track_id: str, rendition: str, duration_ms: int, *, ad: bool) -> playback.Verifying:
    """What a transcode sends counts toward a verified stream as milliseconds of the track (its `size`); of
    an ad, toward its impression (nothing to record)."""
    c = ctx.container
    count = playback.sent_count(
        verifier=c.verifier,
        clocks=c.ad_clocks,
        music=not ad,
        user=ctx.user.public_id,
        track=track_id,
        rendition=rendition,
        size=duration_ms,
        duration_ms=duration_ms,
        now=c.clock.now,
    )
    if ad:
        return count, lambda _verified: None
    return count, lambda verified: record_verified_now(c, verified)


@method("stream")
def stream(ctx: Ctx) -> Response:
    return _serve(ctx, raw_only=False)


@method("download")
def download(ctx: Ctx) -> Response:
    return _serve(ctx, raw_only=True)


def _artwork_key(ctx: Ctx, value: str) -> str | None:
    kind, public_id = parse_cover(value)
    if kind == ALBUM:  # one cached view: never the album's whole page
        return catalog.album_artwork_key(ctx.session, album_id=public_id)
    if kind == ARTIST:
        return catalog.artist_artwork_key(ctx.session, artist_id=public_id)
    if kind == TRACK:
        return catalog.track_view(ctx.session, track_id=public_id).artwork_key
    return library.get_playlist(ctx.session, playlist_id=public_id, viewer_id=ctx.user.id).artwork_key


def _art_size(ctx: Ctx) -> int:
    raw = (ctx.params.get("size") or "").strip()
    if not raw:
        return ART_SIZES[-1]
    if not (raw.isascii() and raw.isdigit()):
        raise SubsonicError(GENERIC, "size must be a whole number (0 for the largest image)")
    wanted = int(raw[:12])  # a huge size is clamped to the largest stored image, never rendered
    if wanted == 0:  # Navidrome's "original": Encore keeps no original, so its largest rendering (review25c L9)
        return ART_SIZES[-1]
    return next((s for s in ART_SIZES if s >= wanted), ART_SIZES[-1])


@method("getCoverArt")
def get_cover_art(ctx: Ctx) -> Response:
    key = _artwork_key(ctx, ctx.params.require("id"))
    size = _art_size(ctx)
    if key is None or not _ART_KEY.fullmatch(key):
        raise SubsonicError(NOT_FOUND, "no cover art")
    path = ctx.container.store.root / "art" / key[:2] / key / f"{size}.jpg"
    if not path.is_file():
        raise SubsonicError(NOT_FOUND, "no cover art")
    # Asked for by the album's id, whose cover a label may replace (probe22): an hour, not the day the content-named
    # /art/ URLs get (an app that asks by a plain id, or by a coverArt id of the old cover, gets the new one within
    # it), and an ETag naming the image itself, so a revalidation costs a 304, not the image again.
    headers = {"Cache-Control": f"public, max-age={COVER_ART_MAX_AGE}", "ETag": f'"{key}-{size}"'}
    if etag_matches(ctx.if_none_match, headers["ETag"]):
        return Response(status_code=304, headers=headers)
    return FileResponse(path, media_type="image/jpeg", headers=headers)


@method("getAvatar")
def get_avatar(ctx: Ctx) -> Response:
    """Encore has no uploaded avatars: a plain square in a colour made from the username."""
    name = ctx.params.require("username")
    if name.casefold() != ctx.user.username_key:
        raise SubsonicError(NOT_FOUND, "no such user")
    from PIL import Image  # where used: most servers never draw an avatar (#16)

    digest = hashlib.sha256(ctx.user.public_id.encode()).digest()
    image = Image.new("RGB", (128, 128), (digest[0], digest[1], digest[2]))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return Response(out.getvalue(), media_type="image/png", headers={"Cache-Control": "private, max-age=3600"})
