"""The player's signed `/stream/` URLs: a raw ASGI handler (no framework) that checks the signature and hands
the file to the one byte path (`encore.web._byte_path.BytePath`). Measured against nginx in bench/stream.

Policy lives in encore.streaming (signature check, Range decision); this module only maps those
decisions onto HTTP. Each block sent on a free listener's URL is reported to their ad clock through a tap
(`encore.playback.AdClockBook.atap`): what the server sent is what the listener could have heard.
"""

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from encore.db import error_line
from encore.playback import Pace, Record
from encore.state import StateUnavailable
from encore.streaming import Denial, Resolver, StreamGrant, VerifiedUrls, verify_stream_signature
from encore.web._byte_path import BytePath, Counts, Taps, plain
from encore.web._errors import retry_after_busy
from encore.web._security import ASGIApp, Receive, Scope, Send


def _query(raw: bytes) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in raw.decode("latin-1").split("&", 8):
        name, _, value = part.partition("=")
        out.setdefault(name, value)
    return out


_URL_FIELDS = frozenset(("u", "e", "g", "k", "s"))
_KEPT_QUERY = 256  # bytes: an issued URL's query is about 120


def _canonical(raw: bytes, q: dict[str, str]) -> bool:
    """Whether a genuine URL's query is only what Encore signs, each once, so it may be kept as verified: junk
    parameters appended (which the check ignores) made each variant a new entry of up to uvicorn's 64 KB request
    line (review15: 4,096 of them held 236 MiB in every worker). Such a URL is still served, checked each time."""
    return len(raw) <= _KEPT_QUERY and q.keys() <= _URL_FIELDS and raw.count(b"&") + 1 == len(q)


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


class _Tracked:
    """The request's `send`, noting whether the response began. It hands back the server's own awaitable
    rather than awaiting it in a coroutine of its own: two sends a range, each one coroutine fewer."""

    __slots__ = ("send", "started")

    def __init__(self, send: Send) -> None:
        self.send, self.started = send, False

    def __call__(self, message: Any) -> Awaitable[None]:
        self.started = True
        return self.send(message)


class _UrlCheck:
    """The signed URL's checks: its key, signature and expiry, then its sign-out generation. A URL verified
    before skips its HMAC (and the query's parse), never the key's, the expiry's or the generation's checks."""

    def __init__(
        self,
        key: bytes,
        keys: Callable[[str], bytes | None] | None,
        now: Callable[[], float],
        alive: Callable[[str, int], Awaitable[bool]] | None,
        verified: VerifiedUrls,
    ) -> None:
        self._key, self._keys, self._now, self._alive, self._verified = key, keys, now, alive, verified

    async def check(self, scope: Scope, track: str, rendition: str) -> StreamGrant | str:
        """The URL's verified grant, or the reason it is refused."""
        url_path, raw = scope["path"], scope["query_string"]
        kept = self._verified.get(url_path, raw)
        if kept is not None and (self._key if self._keys is None else self._keys(kept[0])) != kept[1]:
            self._verified.drop(url_path, raw)  # its key was retired or rotated since: checked afresh
            kept = None
        if kept is None:
            decision = self._verify(url_path, raw, track, rendition)
            if isinstance(decision, str):
                return decision
        else:
            decision = kept[2]
            if decision.expires < int(self._now()):
                self._verified.drop(url_path, raw)
                return "expired"
        if self._alive is not None and not await self._alive(decision.user, decision.generation):
            return "signed_out"
        return decision

    def _verify(self, url_path: str, raw: bytes, track: str, rendition: str) -> StreamGrant | str:
        """A URL not kept as verified: its key, signature and expiry checked, and kept once genuine."""
        q = _query(raw)
        kid = q.get("k", "")
        url_key = self._key if self._keys is None else self._keys(kid)
        if url_key is None:
            return "retired_key"
        decision = verify_stream_signature(
            key=url_key,
            user=q.get("u", ""),
            track=track,
            rendition=rendition,
            expires=q.get("e", ""),
            signature=q.get("s", ""),
            now=int(self._now()),
            generation=q.get("g", ""),
        )
        if isinstance(decision, Denial):
            return decision.reason
        if _canonical(raw, q):
            self._verified.keep(url_path, raw, (kid, url_key, decision))
        return decision


def make_stream_app(
    *,
    key: bytes,
    resolve: Resolver,
    now: Callable[[], float] = time.time,
    taps: Taps | None = None,
    keys: Callable[[str], bytes | None] | None = None,
    counts: Counts | None = None,
    record: Record | None = None,
    pace: Pace | None = None,
    alive: Callable[[str, int], Awaitable[bool]] | None = None,
    path: BytePath | None = None,
    verified_size: int = 4096,
) -> ASGIApp:
    """GET/HEAD /stream/{track}/{rendition}?u=&e=&s= → 200/206/416, 403 on a refused URL, 404 if no file.

    `key` is the stream key (`encore.streaming.stream_key(secret)`), not the main secret itself. With
    `keys`, the URL's key id (`k`, "" for kid 0) picks the key instead, and a retired one refuses. `taps`
    gives the tap that counts what is sent on a URL toward its listener's ad clock; `counts` what every
    listener's response sends of a track (Premium too) toward a verified stream, which `record` writes;
    `pace` how long to hold a free listener's next block; or `path`, a byte path built with them.
    `alive(user, generation)` says whether the URL's sign-out generation still counts (one shared-state read
    per request, never per block). `verified_size` bounds the URLs whose signature is kept as verified
    (`encore.streaming.VerifiedUrls`; 0 keeps none).
    """
    if path is None:
        path = BytePath(taps=taps, counts=counts, record=record, pace=pace)
    served = path
    check = _UrlCheck(key, keys, now, alive, VerifiedUrls(verified_size)).check
    log = logging.getLogger("encore.web")

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            if scope["type"] == "lifespan":
                await _lifespan(receive, send)
            return
        method = scope["method"]
        if method not in ("GET", "HEAD"):
            await plain(send, method, 405, b"method not allowed\n", ((b"allow", b"GET, HEAD"),))
            return
        parts = scope["path"].split("/")
        if len(parts) != 4 or parts[1] != "stream":
            await plain(send, method, 404, b"not found\n")
            return
        tracked = _Tracked(send)
        try:  # the URL's checks, then the file, in this one coroutine (a request's own, kept short)
            rendition = parts[3]
            decision = await check(scope, parts[2], rendition)
            if isinstance(decision, str):
                await plain(tracked, method, 403, b"stream URL refused: %s\n" % decision.encode())
                return
            media = resolve(parts[2], rendition)
            if media is None:
                await plain(tracked, method, 404, b"not found\n")
                return
            await served.serve(
                scope,
                receive,
                tracked,
                method=method,
                user=decision.user,
                track=decision.track,
                rendition=rendition,
                media=media,
            )
        except (StateUnavailable, SQLAlchemyError) as exc:
            # The shared state is down or every connection to it stayed busy, or the database is busy or cannot
            # be reached (review21b F5): nothing was charged for what was not sent, so before the headers the
            # player is told to try again (503), never a 500
            if not isinstance(exc, StateUnavailable) and retry_after_busy(exc) is None:
                raise
            log.warning("stream: busy or unreachable: %s", error_line(exc))
            if tracked.started:
                return  # mid-body: the cut connection is the answer; the player resumes with a Range
            retry = retry_after_busy(exc) or 1
            await plain(send, method, 503, b"busy: try again in a moment\n", ((b"retry-after", b"%d" % retry),))

    return app
