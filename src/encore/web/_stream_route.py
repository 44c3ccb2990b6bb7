"""Wire the byte path to the container: the stream key, a cached file resolver and the ad clocks' taps."""

from encore.bootstrap import Container
from encore.streaming import CachedResolver, stream_key
from encore.web._security import ASGIApp
from encore.web._stream_asgi import make_stream_app


def make_stream_endpoint(c: Container) -> ASGIApp:
    resolver = CachedResolver(sessions=c.sessions, store=c.store)
    return make_stream_app(
        key=stream_key(c.settings.secret_key.get_secret_value()),
        resolve=resolver,
        now=lambda: c.clock.now().timestamp(),
        taps=lambda user, track: c.ad_clocks.tap(user, track, interval_s=c.settings.ad_interval),
    )
