"""The one byte path of stored audio: one HTTP range of a file, sent with os.pread from a cached open fd,
each block charged to a free listener's ad clock and held as the tier's pacing says (what the server sent is
what the listener could have heard), and counted toward a verified stream. The player's signed `/stream/`
URLs (`encore.web._stream_asgi`) and Subsonic's stream/download (`encore.web.subsonic._counted`) both go
through `BytePath.serve`; what each block counts toward (the charge, the pacing's hold, the verified stream) is
`encore.playback.block_count`'s, the owner Subsonic's transcodes count through too. No framework: raw ASGI.
"""

import asyncio
import os
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Protocol

from encore.playback import Counted, Pace, Record, Tap, block_count, recorded
from encore.streaming import MediaFile, Partial, Unsatisfiable, parse_range
from encore.web._security import Receive, Scope, Send

CHUNK = 256 * 1024
COUNTED_CHUNK = 64 * 1024  # a free listener's blocks: a hang-up is noticed within ~3 s of 160 kbit/s audio
MAX_AGE = 600
_COMMON = ((b"accept-ranges", b"bytes"), (b"x-content-type-options", b"nosniff"))
_CACHE_CONTROL = (b"cache-control", b"private, max-age=%d" % MAX_AGE)
_EMPTY_END = {"type": "http.response.body", "body": b"", "more_body": False}


# (user public id, track public id) -> a tap, or None: nothing to count
Taps = Callable[[str, str], Awaitable[Tap | None]]
# (user public id, track public id, rendition, file) -> the response's count toward a verified stream
Counts = Callable[[str, str, str, MediaFile], Counted]


class Count(Protocol):
    """What happens around each block of a response: `first` asks for the first block before the response
    starts (False: refused, an owed ad comes first), `before` holds each block until the pacing lets it be
    charged, then charges it (False: this play may send no more after it; None: the client hung up while it
    was held, nothing charged), `after` counts it once the server took it. With `holds` False (nothing is
    charged: a Premium listener's count), `first` and `before` always answer True and are not awaited."""

    holds: bool

    async def first(self, start: int, end: int) -> bool: ...
    async def before(self, start: int, end: int, gone: "asyncio.Future[None] | None") -> bool | None: ...
    async def after(self, start: int, end: int) -> None: ...


class _OpenFile:
    """An open fd and the response headers that depend only on the file, encoded once."""

    __slots__ = ("evicted", "fd", "headers", "users")

    def __init__(self, fd: int, media: MediaFile) -> None:
        self.fd, self.users, self.evicted = fd, 0, False
        self.headers = (
            *_COMMON,
            (b"content-type", media.content_type.encode()),
            (b"etag", media.etag.encode()),
            (b"last-modified", media.last_modified.encode()),
            _CACHE_CONTROL,
        )


class _FdCache:
    """Open files stay open between requests (no open() per request).

    Keyed by path, inode and mtime, so a replaced file is reopened. An fd evicted while a response
    is still reading it is closed only when that response ends: closing it early could let the
    kernel hand the same number to another file mid-response.
    """

    def __init__(self, size: int = 256) -> None:
        self._files: OrderedDict[tuple[str, int, int], _OpenFile] = OrderedDict()
        self._size = size

    def acquire(self, media: MediaFile) -> _OpenFile:
        key = (str(media.path), media.inode, media.mtime_ns)
        entry = self._files.get(key)
        if entry is None:
            entry = _OpenFile(os.open(media.path, os.O_RDONLY | os.O_CLOEXEC), media)
            self._files[key] = entry
            entry.users += 1  # before evicting: with size 0 the file is closed when this response ends
            while len(self._files) > self._size:
                old = self._files.popitem(last=False)[1]
                old.evicted = True
                if old.users == 0:
                    os.close(old.fd)
            return entry
        self._files.move_to_end(key)
        entry.users += 1
        return entry

    @staticmethod
    def release(entry: _OpenFile) -> None:
        entry.users -= 1
        if entry.evicted and entry.users == 0:
            os.close(entry.fd)


async def plain(send: Send, method: str, status: int, text: bytes, extra: tuple[tuple[bytes, bytes], ...] = ()) -> None:
    headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", b"%d" % len(text)), *extra]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if method == "HEAD" else text})


def _range_headers(scope: Scope) -> tuple[str | None, str | None]:
    range_header = if_range = None
    for name, value in scope["headers"]:
        if name == b"range":
            # Several Range lines are one field, joined by commas (RFC 9110 §5.3): never one range, so the whole
            # file, as for any specifier parse_range ignores (probe18: the last line was served alone).
            text = value.decode("latin-1")
            range_header = text if range_header is None else f"{range_header}, {text}"
        elif name == b"if-range":
            if_range = value.decode("latin-1")
    return range_header, if_range


async def _send_file(
    send: Send,
    fd: int,
    start: int,
    length: int,
    *,
    chunk: int = CHUNK,
    count: Count | None = None,
    gone: "asyncio.Future[None] | None" = None,
) -> None:
    """Send [start, start + length) of the file. With `count`, each block is held (pacing) until it may be
    charged, then charged before it is sent, so parallel or successive ranges of one play are paced together,
    and counted once the server took it (before anything else may run: once the last block is sent, the
    hang-up watcher `gone` sees the response complete). Sending stops when `count` says so or at the first
    yield after a hang-up."""
    end = start + length
    while start < end and not (gone is not None and gone.done()):
        block = os.pread(fd, min(chunk, end - start), start)
        if not block:
            break
        stop = start + len(block)
        more = await count.before(start, stop, gone) if count is not None and count.holds else True
        if more is None or (gone is not None and gone.done()):  # hung up while the block was held
            return
        await send({"type": "http.response.body", "body": block, "more_body": stop < end})
        if count is not None:
            await count.after(start, stop)
        start = stop
        if not more:  # an ad is now owed and this is not the track playing: the body ends short
            break
        if gone is not None:
            await asyncio.sleep(0)  # let the watcher see a hang-up
    if start < end and not (gone is not None and gone.done()):  # the file shrank, or the play was stopped
        await send(_EMPTY_END)


async def _send_counted(
    send: Send, receive: Receive, fd: int, start: int, length: int, *, count: Count, chunk: int = COUNTED_CHUNK
) -> None:
    """`_send_file` for a free listener, in small blocks, stopping when the client hangs up: uvicorn then
    accepts and drops every block, which must not be counted (a browser that seeks abandons a request for
    the whole rest of the file). One block (a player's Range request) needs no watcher: nothing follows it."""
    if length <= chunk:
        await _send_file(send, fd, start, length, chunk=chunk, count=count)
        return
    gone = asyncio.ensure_future(_until_disconnect(receive))
    try:
        await _send_file(send, fd, start, length, chunk=chunk, count=count, gone=gone)
    finally:
        gone.cancel()


async def _until_disconnect(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


class BytePath:
    """The one path every face's stored audio goes through: one range of the file (RFC 9110), each block
    charged to a free listener's ad clock and held as the tier's pacing says, and counted toward a verified
    stream. The player's signed `/stream/` URLs and Subsonic's stream/download both call `serve`; with
    `cache_size` 0 each response opens and closes its file."""

    def __init__(
        self,
        *,
        taps: Taps | None = None,
        counts: Counts | None = None,
        record: Record | None = None,
        pace: Pace | None = None,
        cache_size: int = 256,
    ) -> None:
        """`pace` gives the free tier's pacing as each response starts (None: free audio is not paced)."""
        self._taps, self._counts, self._record, self._pace = taps, counts, record, pace
        self._fds = _FdCache(cache_size)

    async def serve(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        *,
        method: str,
        user: str,
        track: str,
        rendition: str,
        media: MediaFile,
        gate: bool = True,
        charge: bool = True,
        headers: tuple[tuple[bytes, bytes], ...] = (),
    ) -> None:
        """Send what `scope`'s Range asks of `media` to `user`. `gate`: refuse a free play an owed ad now
        stops (a URL kept from before the ad); `charge`: False for ad audio (never on the ad clock);
        `headers` replace the file's own of the same name."""
        try:
            entry = self._fds.acquire(media)
        except OSError:  # vanished between resolve and open
            await plain(send, method, 404, b"not found\n")
            return
        tap: Tap | None = None
        verify: Counted | None = None
        record = self._record
        try:  # from here on the fd is released whatever happens (a failing tap, a lost state store)
            if self._taps is not None and method != "HEAD" and charge:
                tap = await self._taps(user, track)
            if self._counts is not None and record is not None and method == "GET":
                verify = self._counts(user, track, rendition, media)  # music: a verified stream; an ad: its hearing
            counted = block_count(tap, verify, record, self._pace, rendition, media.size, gate=gate)
            chunk = chunk_for(tap) if media.music else COUNTED_CHUNK  # an ad: a hang-up noticed early, as free music
            await _respond(scope, receive, send, method, media, entry, tap=counted, chunk=chunk, extra=headers)
        finally:
            self._fds.release(entry)
            if tap is not None:
                tap.close()
            if verify is not None and record is not None and (found := await verify.close()) is not None:
                await recorded(verify, record, found)


def chunk_for(tap: Tap | None) -> int:
    return CHUNK if tap is None else COUNTED_CHUNK


async def _respond(  # noqa: PLR0917 - the ASGI triple and what the handler resolved
    scope: Scope,
    receive: Receive,
    send: Send,
    method: str,
    media: MediaFile,
    entry: _OpenFile,
    *,
    tap: Count | None,
    chunk: int,
    extra: tuple[tuple[bytes, bytes], ...] = (),
) -> None:
    range_header, if_range = _range_headers(scope)
    # If-Range: a strong ETag or the exact Last-Modified date; anything else means the client's
    # partial copy is stale, so it gets the whole current file (RFC 9110 §13.1.5).
    if if_range is not None and if_range not in (media.etag, media.last_modified):
        range_header = None
    decision = parse_range(range_header, media.size)
    size = media.size
    if isinstance(decision, Unsatisfiable):
        await plain(send, method, 416, b"range not satisfiable\n", (*_COMMON, (b"content-range", b"bytes */%d" % size)))
        return
    if extra:
        replaced = {name for name, _ in extra}
        headers = [*(h for h in entry.headers if h[0] not in replaced), *extra]
    else:  # the player's /stream/ URLs: the file's own headers, encoded once
        headers = list(entry.headers)
    if isinstance(decision, Partial):
        status, start, length = 206, decision.start, decision.end - decision.start + 1
        headers.append((b"content-range", b"bytes %d-%d/%d" % (start, decision.end, size)))
    else:
        status, start, length = 200, 0, size
    headers.append((b"content-length", b"%d" % length))
    if (
        tap is not None
        and tap.holds
        and method != "HEAD"
        and length > 0
        and not await tap.first(start, start + min(chunk, length))
    ):
        await plain(send, method, 403, b"stream URL refused: ad_break_due\n")  # the ad comes first
        return
    await send({"type": "http.response.start", "status": status, "headers": headers})
    if method == "HEAD" or length == 0:
        await send({"type": "http.response.body", "body": b""})
        return
    if tap is None:
        await _send_file(send, entry.fd, start, length)
    elif length <= chunk:  # one block (a player's Range request): `_send_counted` would send it so, no watcher
        await _send_file(send, entry.fd, start, length, chunk=chunk, count=tap)
    else:
        await _send_counted(send, receive, entry.fd, start, length, count=tap, chunk=chunk)
