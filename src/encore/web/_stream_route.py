"""Wire the byte path to the container: the stream key, a cached file resolver, the ad clocks' taps and the
verified-stream counts."""

import asyncio

from encore import playback
from encore.bootstrap import Container
from encore.db import transaction
from encore.streaming import CachedResolver, stream_key, stream_key_for
from encore.web._security import ASGIApp
from encore.web._stream_asgi import make_stream_app


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
        taps=lambda user, track: c.ad_clocks.atap(user, track, interval_s=c.settings.ad_interval),
        counts=lambda user, track, rendition, media: playback.StreamCount(
            c.verifier,
            user=user,
            track=track,
            rendition=rendition,
            size=media.size,
            duration_ms=media.duration_ms,
            now=c.clock.now,
        ),
        record=lambda verified: record_verified(c, verified),
        pace=lambda tap: tap.wait_s(c.clock.now(), burst_s=c.settings.free_burst_s, speed=c.settings.free_pace_x),
        alive=lambda user, generation: c.stream_cutoffs.alive(user_public_id=user, generation=generation),
    )


async def record_verified(c: Container, verified: playback.Verified) -> None:
    """Write a verified stream (once per play) from the byte path, off the event loop."""
    await asyncio.to_thread(_record, c, verified)


def _record(c: Container, verified: playback.Verified) -> None:
    with transaction(c.sessions) as session:
        playback.record_verified_stream(session, verified=verified)
