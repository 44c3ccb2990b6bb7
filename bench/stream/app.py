"""The embedded byte path as uvicorn runs it in the benchmark: `uvicorn --factory bench.stream.app:create`.

Reads BENCH_MEDIA (a directory of `{track}.vorbis160.ogg` files) and BENCH_SECRET from the environment.
With BENCH_USER (a public id), that user is a free listener holding an open play of every track, so each
request also reports what it sent to the ad clock, as a free listener's requests do in Encore.
"""

import os
from pathlib import Path

from bench.playback.tap import free_listener
from encore.streaming import DirectoryResolver, stream_key
from encore.web._security import ASGIApp
from encore.web._stream_asgi import make_stream_app


def create() -> ASGIApp:
    media = Path(os.environ["BENCH_MEDIA"])
    user = os.environ.get("BENCH_USER")
    book = None
    if user is not None:
        book = free_listener(user, sorted(p.name.split(".", 1)[0] for p in media.glob("*.vorbis160.ogg")))
    # A long resolver TTL stands in for production's CachedResolver, which also answers from memory.
    return make_stream_app(
        key=stream_key(os.environ["BENCH_SECRET"]),
        resolve=DirectoryResolver(media, ttl_s=3600),
        taps=None if book is None else lambda u, t: book.atap(u, t, interval_s=10**9),
    )
