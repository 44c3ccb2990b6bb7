"""A measured ceiling, not a product path (issue #14, lease20): the byte path as a listener of its own under
granian's RSGI interface, serving Encore's signed `/stream/` URLs for Premium and for a free listener whose
charge goes through Encore's real charge script (`playback._charge.CHARGE`, via `AdClockBook.atap` and
`PlayTap.acharge`) on the real shared state, optionally asked for a *lease*.

Encore's own pieces do the work: the URL's checks (`web._stream_asgi._UrlCheck`: the kept verified signature,
the key, the expiry and the sign-out generation through `accounts.StreamCutoffs` on the same state), the
resolver, the open-fd cache (`web._byte_path._FdCache`), If-Range and `streaming.parse_range`, the tap
(`AdClockBook.atap`: a Premium listener's kept `who` read), the charge (`PlayTap.acharge`, gated, unpaced as
the uvicorn bench's `BytePath` is) and a verified-stream count per response (`playback.StreamCount`, merged as
the real path merges it). What differs from production: RSGI instead of ASGI (one `response_bytes` per range),
one block per response (the player's 64 KiB ranges; no long bodies, no hang-up watcher, no pacing), and with
BENCH_LEASE_S > 0 the charge is a lease.

The lease: a range of a free play that no fresh lease of this worker covers charges
[start, start + BENCH_LEASE_S of audio) in one CHARGE (gated, as the real path gates a response's first block),
rounded up to whole 64 KiB blocks; a range inside a lease taken at most BENCH_LEASE_FRESH_S ago asks Redis
nothing. A charge answering STOP (an ad is owed and this play is not one of the last two) serves its range and
keeps no lease, so the next range is gated and refused. At most LEASES_PER_PLAY leases are kept per play (a
player's reader, its tail probe, a second tab), the oldest leaving first. BENCH_LEASE_S 0: one CHARGE per range,
as the real path (the RSGI listener alone, without the lease).

With BENCH_LEASE_COUNT, a lease's ranges share one verified-stream count (`Lease`) instead of one a response.
With BENCH_LEASE_STATS, `GET /lease-stats` answers how many ranges, charges and state script runs there were.
Figures: docs/benchmarks.md, "Byte path: RSGI listener + lease-charged free tier" (lease20).

    granian --interface rsgi --factory bench.stream.lease_app:create
    (BENCH_MEDIA, BENCH_SECRET, BENCH_USER, BENCH_REDIS as bench/stream/app.py; BENCH_LEASE_S, BENCH_LEASE_FRESH_S)
"""

import json
import logging
import os
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.playback.tap import free_listener
from bench.stream.wiring import DURATION_MS
from encore import playback
from encore.accounts import StreamCutoffs
from encore.playback import AdClockBook
from encore.state import MemoryState, RedisState, SharedState, StateUnavailable
from encore.streaming import DirectoryResolver, MediaFile, Partial, Unsatisfiable, VerifiedUrls, parse_range, stream_key
from encore.web._byte_path import COUNTED_CHUNK, _FdCache
from encore.web._stream_asgi import _UrlCheck

LEASES_PER_PLAY = 8  # a player's reader, its tail probe, other tabs: in the bench ~3 players share each play
INTERVAL_S = 10**9  # the ad interval: never reached in the bench (as bench.stream.wiring's taps)
_TEXT = [("content-type", "text/plain; charset=utf-8")]
log = logging.getLogger(__name__)


def _now() -> datetime:
    return datetime.now(UTC)


class Lease:
    """[start, end) of a play charged at `at` (monotonic s); with BENCH_LEASE_COUNT, the verified-stream count of
    what was sent inside it (`playback.StreamCount`, merged when it closes: at the lease's last range or when
    the lease leaves), instead of one count per response."""

    __slots__ = ("at", "count", "end", "start")

    def __init__(self, start: int, end: int, at: float, count: playback.StreamCount | None) -> None:
        self.start, self.end, self.at, self.count = start, end, at, count


class Leases:
    """What this worker has charged ahead, per (listener, track), and when. Bounded: LEASES_PER_PLAY per play,
    `plays` plays (the oldest play leaving first); what leaves is handed back, for its count to be closed."""

    def __init__(self, *, fresh_s: float, plays: int = 100_000) -> None:
        self._fresh_s, self._plays = fresh_s, plays
        self._leases: dict[tuple[str, str], list[Lease]] = {}

    def find(self, key: tuple[str, str], start: int, end: int, now: float) -> Lease | None:
        """A fresh lease holding all of [start, end), if any."""
        found = self._leases.get(key)
        if found is None:
            return None
        oldest = now - self._fresh_s
        return next((x for x in found if x.start <= start and end <= x.end and x.at >= oldest), None)

    def take(self, key: tuple[str, str], lease: Lease) -> list[Lease]:
        found = self._leases.get(key)
        gone: list[Lease] = []
        if found is None:
            if len(self._leases) >= self._plays:
                gone = self._leases.pop(next(iter(self._leases)))
            found = self._leases[key] = []
        found.append(lease)
        if len(found) > LEASES_PER_PLAY:
            gone.append(found.pop(0))
        return gone

    def drop(self, key: tuple[str, str]) -> list[Lease]:
        return self._leases.pop(key, [])


def _lease_end(start: int, end: int, size: int, lease_bytes: int) -> int:
    """The lease asked for a range [start, end): at least the range, else `lease_bytes` from its start in whole
    blocks (COUNTED_CHUNK), never past the file."""
    return min(size, max(end, start + lease_bytes))


def _count_runs(state: SharedState, stats: dict[str, int]) -> None:
    run = state.arun

    async def counted(script: Any, keys: Any, args: Any, *, ttl_s: Any) -> list[int]:
        stats[script.name] = stats.get(script.name, 0) + 1
        return await run(script, keys, args, ttl_s=ttl_s)

    state.arun = counted  # type: ignore[method-assign]


def create() -> Callable[[Any, Any], Awaitable[None]]:  # noqa: PLR0915 - one handler, read top to bottom
    media_root = Path(os.environ["BENCH_MEDIA"])
    resolve = DirectoryResolver(media_root, ttl_s=3600)
    redis_url = os.environ.get("BENCH_REDIS")
    state: SharedState = MemoryState() if redis_url is None else RedisState(redis_url, prefix=f"bench{os.getpid()}:")
    cutoffs = StreamCutoffs(state, ttl_s=86_400)
    user = os.environ.get("BENCH_USER")
    tracks = sorted(p.name.split(".", 1)[0] for p in media_root.glob("*.vorbis160.ogg"))
    book = AdClockBook(state) if user is None else free_listener(user, tracks, state=state)
    verifier = playback.StreamVerifier(state, secret=b"bench-verified-" * 3)
    recorded: list[Any] = []
    lease_s = float(os.environ.get("BENCH_LEASE_S", "0"))
    count_per_lease = lease_s > 0 and bool(os.environ.get("BENCH_LEASE_COUNT"))
    leases = Leases(fresh_s=float(os.environ.get("BENCH_LEASE_FRESH_S", "2")))
    check = _UrlCheck(
        stream_key(os.environ["BENCH_SECRET"]),
        None,
        time.time,
        lambda u, generation: cutoffs.alive(user_public_id=u, generation=generation),
        VerifiedUrls(4096),
    ).check
    fds = _FdCache(256)
    stats = {"ranges": 0, "charges": 0, "recorded": 0}
    if os.environ.get("BENCH_LEASE_STATS"):  # count each script run on the state (not in measured runs)
        _count_runs(state, stats)
    headers_of: dict[tuple[str, str], list[tuple[str, str]]] = {}  # a file's headers as RSGI takes them (str)

    def lease_bytes(media: MediaFile) -> int:
        duration = media.duration_ms or DURATION_MS
        wanted = -(-int(media.size * lease_s * 1000) // duration)
        return -(-wanted // COUNTED_CHUNK) * COUNTED_CHUNK

    def new_count(who: str, track: str, rendition: str, media: MediaFile) -> playback.StreamCount:
        duration = media.duration_ms or DURATION_MS
        return playback.StreamCount(
            verifier, user=who, track=track, rendition=rendition, size=media.size, duration_ms=duration, now=_now
        )

    async def closed(gone: list[Lease]) -> None:
        for lease in gone:
            if lease.count is not None and (found := await lease.count.close()) is not None:
                recorded.append(found)

    async def charged(  # noqa: PLR0917 - the range and its play
        tap: Any, key: tuple[str, str], rendition: str, media: MediaFile, start: int, end: int
    ) -> tuple[bool, Lease | None]:
        """Charge [start, end) of a free play, or the lease around it: (False when an owed ad refuses it; the
        lease taken, if any)."""
        stats["charges"] += 1
        if lease_s <= 0:
            charge = await tap.acharge(rendition, media.size, start, end, gate=True, pace=None)
            return not charge.refused, None
        stop = _lease_end(start, end, media.size, lease_bytes(media))
        charge = await tap.acharge(rendition, media.size, start, stop, gate=True, pace=None)
        if charge.refused or not charge.more:
            # STOP: this range is sent; the next one is gated (and refused while the ad is owed)
            await closed(leases.drop(key))
            return not charge.refused, None
        count = new_count(key[0], key[1], rendition, media) if count_per_lease else None
        lease = Lease(start, stop, time.monotonic(), count)
        await closed(leases.take(key, lease))
        return True, lease

    async def serve(scope: Any, proto: Any) -> None:  # noqa: PLR0912, PLR0915 - the real path's steps, in order
        method = scope.method
        parts = scope.path.split("/")
        if scope.path == "/lease-stats":  # what the bench asks after a run: how often Redis was asked
            stats["recorded"] = len(recorded)
            proto.response_bytes(200, _TEXT, json.dumps(stats).encode())
            return
        if method not in ("GET", "HEAD") or len(parts) != 4 or parts[1] != "stream":
            proto.response_bytes(404, _TEXT, b"not found\n")
            return
        track, rendition = parts[2], parts[3]
        asgi_scope = {"path": scope.path, "query_string": scope.query_string.encode("latin-1")}
        decision = await check(asgi_scope, track, rendition)
        if isinstance(decision, str):
            proto.response_bytes(403, _TEXT, b"stream URL refused: %s\n" % decision.encode())
            return
        media = resolve(track, rendition)
        if media is None:
            proto.response_bytes(404, _TEXT, b"not found\n")
            return
        entry = fds.acquire(media)
        try:
            headers = headers_of.get(file_key := (str(media.path), media.etag))
            if headers is None:
                headers = headers_of[file_key] = [(k.decode(), v.decode()) for k, v in entry.headers]
            range_header, if_range = scope.headers.get("range"), scope.headers.get("if-range")
            if if_range is not None and if_range not in (media.etag, media.last_modified):
                range_header = None
            wanted = parse_range(range_header, media.size)
            if isinstance(wanted, Unsatisfiable):
                proto.response_bytes(416, [*_TEXT, ("content-range", f"bytes */{media.size}")], b"")
                return
            if isinstance(wanted, Partial):
                status, start, end = 206, wanted.start, wanted.end + 1
                headers = [*headers, ("content-range", f"bytes {wanted.start}-{wanted.end}/{media.size}")]
            else:
                status, start, end = 200, 0, media.size
            if method == "HEAD" or end <= start:
                proto.response_bytes(status, headers, b"")
                return
            who = decision.user
            key = (who, track)
            stats["ranges"] += 1
            lease = leases.find(key, start, end, time.monotonic()) if lease_s > 0 else None
            if lease is None:
                tap = await book.atap(who, track, interval_s=INTERVAL_S)
                if tap is not None:
                    allowed, lease = await charged(tap, key, rendition, media, start, end)
                    if not allowed:
                        proto.response_bytes(403, _TEXT, b"stream URL refused: ad_break_due\n")
                        return
            if lease is not None and lease.count is not None:  # the lease's count: closed at its last range
                count, last = lease.count, end >= lease.end
            else:
                count, last = new_count(who, track, rendition, media), True
            proto.response_bytes(status, headers, os.pread(entry.fd, end - start, start))
            try:  # after the response, as the real path counts a block once the server took it
                if (found := await count.sent(start, end)) is not None:
                    recorded.append(found)
                if last and (found := await count.close()) is not None:
                    recorded.append(found)
            except StateUnavailable as exc:
                log.warning("stream: verified-stream count lost: %s", exc)
        finally:
            fds.release(entry)

    async def app(scope: Any, proto: Any) -> None:
        try:
            await serve(scope, proto)
        except StateUnavailable as exc:
            log.warning("stream: shared state unavailable: %s", exc)
            proto.response_bytes(503, [*_TEXT, ("retry-after", "1")], b"busy: try again in a moment\n")

    return app
