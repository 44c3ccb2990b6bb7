"""Answers a process keeps of reads on the shared state, dropped the moment Redis says a key they read changed.

The byte path asks two read-only questions of every request: whether its URL's sign-out generation still
counts (`accounts.StreamCutoffs.alive`) and whether its listener was ever on the free tier (the ad clock's
`who` document). Their answers almost never change, yet each cost a round trip to Redis (~45 µs of this
process's CPU per request). A `Watch` keeps them, safely:

- One connection per process and prefix asks Redis to report every write under the prefix, by anyone
  (`CLIENT TRACKING ON REDIRECT <itself> BCAST PREFIX <prefix>`, subscribed to `__redis__:invalidate`). Redis
  queues that report to this connection while it runs the write, before it answers the writer.
- Before every kept answer is used, the connection's socket is polled (one `poll`, ~2 µs, no wait). Anything
  there, or the connection closed, drops every kept answer of the prefix at once, in the same request. So a
  request that reaches this worker after the writer was answered finds the report already in the socket (on
  one machine; across machines, unless the report is slower than the writer's answer plus an HTTP round trip
  from its client to this worker) and is answered from Redis.
- An answer is kept only when no report arrived while it was being read (a write racing the read), only while
  the connection is up (a read made before it came up, or while it was down, is never kept), and for at most
  `KEPT_S`: a connection cut without either end noticing (a silent network partition) leaves at most that.
- Whenever the connection is not known to be up (not yet made, lost, being made again at most once per
  `RETRY_S` in a thread), every read goes to Redis as before.

The in-memory state (one process) keeps answers the same way, dropped by its own writes under the prefix.
"""

import contextlib
import logging
import os
import select
import socket
import ssl
import threading
import time
import weakref
from collections.abc import Callable
from typing import Any

import redis

from encore.state._port import KEPT_MAX, KEPT_S

log = logging.getLogger(__name__)

RETRY_S = 1.0  # how often a lost connection is made again
_SOCKET_S = 5.0
WATCH_NAME = "encore-watch"  # the report connections' name in CLIENT LIST

Connect = Callable[[], "redis.Redis"]  # a client of one connection to the shared state's Redis


_EVERY: "weakref.WeakSet[Watch]" = weakref.WeakSet()


def _forked() -> None:
    """In a forked child, a parent's watch socket is shared with the parent: whichever reads a report takes it
    from the other. The child forgets it (without closing the parent's) and makes its own."""
    for watch in list(_EVERY):
        watch.forget()


os.register_at_fork(after_in_child=_forked)


class Watch:
    """The kept answers of one prefix of full keys, and the connection Redis reports that prefix's writes on."""

    def __init__(self, connect: Connect, prefix: str, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._connect, self._prefix, self._clock = connect, prefix, clock
        self._kept: dict[Any, tuple[float, Any]] = {}
        self._changes = 0  # bumped whenever kept answers are dropped: a read begun before it is not kept
        self._link: tuple[redis.Redis, socket.socket, select.poll] | None = None
        self._made: tuple[redis.Redis, socket.socket, select.poll] | None = None  # from the connecting thread
        self._connecting = False
        self._next_try = 0.0
        self._warned = False
        _EVERY.add(self)

    def forget(self) -> None:
        """Drop the connection without closing it (a forked child's copy of its parent's) and every answer."""
        self._link = self._made = None
        self._connecting = False
        self._next_try = 0.0
        self._drop()

    def mark(self) -> int | None:
        """Before a read: a mark to keep its answer with, or None when nothing may be kept now (the
        connection is not up, or a report was waiting: every kept answer was just dropped)."""
        if not self._fresh():
            return None
        return self._changes

    def get(self, key: Any) -> Any | None:
        """A kept answer for `key`, only when the connection is up and reported nothing since it was kept."""
        if not self._fresh():
            return None
        found = self._kept.get(key)
        if found is None:
            return None
        if found[0] <= self._clock():
            del self._kept[key]
            return None
        return found[1]

    def keep(self, key: Any, answer: Any, mark: int | None) -> None:
        """Keep `answer` of a read begun at `mark`, unless anything was dropped since (a write raced it)."""
        if mark is None or not self._fresh() or mark != self._changes:  # _fresh first: it may drop
            return
        if len(self._kept) >= KEPT_MAX:
            self._kept.clear()
        self._kept[key] = (self._clock() + KEPT_S, answer)

    def up(self) -> bool:
        """Whether kept answers may be used now (the report connection is up and nothing waits on it)."""
        return self._fresh()

    def _fresh(self) -> bool:
        """Whether kept answers may be used: the connection is up and nothing waits on it (else drop them)."""
        link = self._link
        if link is None:
            link = self._adopt()
            if link is None:
                return False
        if not link[2].poll(0):
            return True
        self._drop()
        try:
            while True:  # drain the reports: each names keys under the prefix that changed
                data = link[1].recv(65_536)
                if not data:
                    raise ConnectionError("the shared state closed the watch connection")
        except (BlockingIOError, ssl.SSLWantReadError):
            return True
        except OSError:
            self._lose(link)
            return False

    def _drop(self) -> None:
        self._kept.clear()
        self._changes += 1

    def _lose(self, link: tuple[redis.Redis, socket.socket, select.poll]) -> None:
        self._drop()
        self._link = None
        self._next_try = self._clock() + RETRY_S
        with contextlib.suppress(Exception):
            link[0].close()

    def _adopt(self) -> tuple[redis.Redis, socket.socket, select.poll] | None:
        """The connection a thread made, once it is there; else start making one (at most every RETRY_S)."""
        made, self._made = self._made, None
        if made is not None:
            self._drop()  # nothing read before it came up may be kept
            self._link = made
            return made
        if not self._connecting and self._clock() >= self._next_try:
            self._connecting = True
            self._next_try = self._clock() + RETRY_S
            threading.Thread(target=self._make, name="encore-state-watch", daemon=True).start()
        return None

    def _make(self) -> None:
        try:
            client = self._connect()
            try:
                self._made = (client, *_subscribed(client, self._prefix))
            except BaseException:
                client.close()
                raise
        except Exception as exc:  # Redis unreachable, or refusing CLIENT TRACKING: every read goes to Redis
            if not self._warned:  # once a process and prefix: an ACL or a managed Redis may refuse it for good
                self._warned = True
                log.warning("shared state: reads under %s are not kept (%s); each asks Redis", self._prefix, exc)
        finally:
            self._connecting = False

    def close(self) -> None:
        for link in (self._link, self._made):
            if link is not None:
                with contextlib.suppress(Exception):
                    link[0].close()
        self._link = self._made = None
        self._drop()


def _subscribed(client: redis.Redis, prefix: str) -> tuple[socket.socket, select.poll]:
    """Turn `client`'s one connection into the prefix's report channel; its socket, non-blocking, and a poll."""
    own = client.client_id()
    client.client_setname(WATCH_NAME)
    client.execute_command("CLIENT", "TRACKING", "ON", "REDIRECT", own, "BCAST", "PREFIX", prefix)  # type: ignore[no-untyped-call]
    conn = client.connection
    if conn is None:
        raise ConnectionError("a single-connection client has no connection")
    conn.send_command("SUBSCRIBE", "__redis__:invalidate")  # type: ignore[no-untyped-call]
    sock: socket.socket | None = getattr(conn, "_sock", None)
    if sock is None:
        raise ConnectionError("the watch connection has no socket")
    sock.settimeout(_SOCKET_S)
    confirmed = b""
    while b"__redis__:invalidate" not in confirmed:  # the subscription's confirmation, before any report
        chunk = sock.recv(4096)
        if not chunk:
            raise ConnectionError("the shared state closed the watch connection")
        confirmed += chunk
    sock.setblocking(False)
    poll = select.poll()
    poll.register(sock.fileno(), select.POLLIN | select.POLLPRI)
    return sock, poll
