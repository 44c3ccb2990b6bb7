"""Wire the byte path to the container: the stream key, a cached file resolver, the ad clocks' taps and the
verified-stream counts. `byte_path` is the one place these are wired, for every face that sends stored audio."""

import asyncio

from encore import playback
from encore.bootstrap import Container, write_verified
from encore.streaming import CachedResolver, MediaFile, stream_key, stream_key_for
from encore.web._byte_path import BytePath
from encore.web._security import ASGIApp
from encore.web._stream_asgi import make_stream_app


def byte_path(c: Container, *, cache_size: int = 256) -> BytePath:
    """The byte path charging the container's ad clocks, pacing the free tier and recording verified streams."""

    def counts(user: str, track: str, rendition: str, media: MediaFile) -> playback.StreamCount | playback.AdAudioCount:
        return playback.sent_count(
            verifier=c.verifier,
            clocks=c.ad_clocks,
            music=media.music,
            user=user,
            track=track,
            rendition=rendition,
            size=media.size,
            duration_ms=media.duration_ms,
            now=c.clock.now,
        )

    return BytePath(
        taps=lambda user, track: c.ad_clocks.atap(user, track, interval_s=c.settings.ad_interval),
        counts=counts,
        record=lambda verified: record_verified(c, verified),
        pace=lambda: (c.settings.free_burst_s * 1000, c.settings.free_pace_x),
        cache_size=cache_size,
    )


def make_stream_endpoint(c: Container) -> ASGIApp:
    resolver = CachedResolver(sessions=c.sessions, store=c.store)
    secret = c.settings.secret_key.get_secret_value()

    def url_key(kid: str) -> bytes | None:
        """The stream key a URL's `k` names, while its generation counts (`encore keys rotate`)."""
        number = int(kid) if kid.isascii() and kid.isdigit() and len(kid) < 9 else (0 if kid == "" else -1)
        found = c.keyring.get().get(number, c.clock.now())
        return None if found is None else stream_key_for(secret, found)

    return make_stream_app(
        key=stream_key(secret),
        keys=url_key,
        resolve=resolver,
        now=lambda: c.clock.now().timestamp(),
        path=byte_path(c),
        alive=lambda user, generation: c.stream_cutoffs.alive(user_public_id=user, generation=generation),
    )


async def record_verified(c: Container, verified: playback.Verified) -> None:
    """Write a verified stream (once per play) from the byte path, off the event loop, or keep it for later."""
    await asyncio.to_thread(record_verified_now, c, verified)


def record_verified_now(c: Container, verified: playback.Verified) -> None:
    """Write a verified stream from a worker thread (an MP3 transcode's blocking iterator); when the write
    fails, keep it in the outbox for the minutely drain (raises only when it could not be kept either)."""
    playback.write_or_keep(c.verified_outbox, verified, lambda found: _write_now(c, found))


def _write_now(c: Container, verified: playback.Verified) -> bool:
    return write_verified(c.sessions, verified, clock=c.clock)  # verified now: the drain's one rule (review24s H2)
