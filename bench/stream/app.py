"""The embedded byte path as uvicorn runs it in the benchmark: `uvicorn --factory bench.stream.app:create`.

Reads BENCH_MEDIA (a directory of `{track}.vorbis160.ogg` files) and BENCH_SECRET from the environment.
With BENCH_USER (a public id), that user is a free listener holding an open play of every track, so each
request is counted as a free listener's is in Encore: every block charged to the ad clock, and what was sent
counted toward a verified stream (recorded once per play; here the record is kept in memory, not written to
a database). No pacing: what is measured is the cost of counting. With BENCH_REDIS (a Redis URL), the ad
clock and the verified-stream plays live in Redis (`encore.state.RedisState`) instead of process memory.
Every request asks the same state whether its URL's sign-out generation still counts, as production's
`/stream/` does (`accounts.StreamCutoffs.alive`). Without BENCH_USER (Premium), each request still asks the
ad clocks for a tap (finding none) and counts what it sent toward a verified stream, as production does.
"""

import os
from pathlib import Path

from bench.stream.wiring import counted_path
from encore.accounts import StreamCutoffs
from encore.state import MemoryState, RedisState, SharedState
from encore.streaming import DirectoryResolver, stream_key
from encore.web._security import ASGIApp
from encore.web._stream_asgi import make_stream_app


def create() -> ASGIApp:
    media = Path(os.environ["BENCH_MEDIA"])
    user = os.environ.get("BENCH_USER")
    resolve = DirectoryResolver(media, ttl_s=3600)  # stands in for production's CachedResolver (also in memory)
    redis_url = os.environ.get("BENCH_REDIS")
    state: SharedState = MemoryState() if redis_url is None else RedisState(redis_url, prefix=f"bench{os.getpid()}:")
    cutoffs = StreamCutoffs(state, ttl_s=86_400)
    tracks = sorted(p.name.split(".", 1)[0] for p in media.glob("*.vorbis160.ogg"))
    # As production's `web._stream_route.byte_path` (bench.stream.wiring): a tap asked of the ad clocks and a
    # verified-stream count for every listener's request, Premium too.
    path = counted_path(state, user=user, tracks=tracks, secret=b"bench-verified-" * 3)
    return make_stream_app(
        key=stream_key(os.environ["BENCH_SECRET"]),
        resolve=resolve,
        path=path,
        alive=lambda u, generation: cutoffs.alive(user_public_id=u, generation=generation),
    )
