"""The embedded byte path as uvicorn runs it in the benchmark: `uvicorn --factory bench.stream.app:create`.

Reads BENCH_MEDIA (a directory of `{track}.vorbis160.ogg` files) and BENCH_SECRET from the environment.
With BENCH_USER (a public id), that user is a free listener holding an open play of every track, so each
request also reports what it sent to the ad clock, as a free listener's requests do in Encore.
"""

import os
from datetime import UTC, datetime
from pathlib import Path

from encore.entitlements import AdClockBook, ClockState, PlayNames
from encore.streaming import DirectoryResolver, stream_key
from encore.web._security import ASGIApp
from encore.web._stream_asgi import make_stream_app


def _free_listener(user: str, media: Path) -> AdClockBook:
    book, now = AdClockBook(), datetime.now(UTC)
    for i, path in enumerate(sorted(media.glob("*.vorbis160.ogg"))):
        track = path.name.split(".", 1)[0]
        book.move(
            None,  # type: ignore[arg-type]  # `loaded` is given: the book reads no database
            1,
            lambda st, i=i: (st.charged(track_id=i, duration_ms=200_000, now=now), None),
            loaded=ClockState(),
            names=PlayNames(user, track, i),
        )
    return book


def create() -> ASGIApp:
    media = Path(os.environ["BENCH_MEDIA"])
    user = os.environ.get("BENCH_USER")
    book = None if user is None else _free_listener(user, media)
    # A long resolver TTL stands in for production's CachedResolver, which also answers from memory.
    return make_stream_app(
        key=stream_key(os.environ["BENCH_SECRET"]),
        resolve=DirectoryResolver(media, ttl_s=3600),
        taps=None if book is None else lambda u, t: book.tap(u, t, interval_s=10**9),
    )
