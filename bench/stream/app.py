"""The embedded byte path as uvicorn runs it in the benchmark: `uvicorn --factory bench.stream.app:create`.

Reads BENCH_MEDIA (a directory of `{track}.vorbis160.ogg` files) and BENCH_SECRET from the environment.
"""

import os
from pathlib import Path

from encore.streaming import DirectoryResolver, stream_key
from encore.web._security import ASGIApp
from encore.web._stream_asgi import make_stream_app


def create() -> ASGIApp:
    media = Path(os.environ["BENCH_MEDIA"])
    # A long resolver TTL stands in for production's CachedResolver, which also answers from memory.
    return make_stream_app(key=stream_key(os.environ["BENCH_SECRET"]), resolve=DirectoryResolver(media, ttl_s=3600))
