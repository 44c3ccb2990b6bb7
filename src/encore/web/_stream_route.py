"""Wire the byte path to the container: the stream key, a cached file resolver and the ad clocks' taps."""

from encore.bootstrap import Container
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
        taps=lambda user, track: c.ad_clocks.tap(user, track, interval_s=c.settings.ad_interval),
    )
