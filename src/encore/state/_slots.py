"""Bounded concurrency on the shared state: at most `limit` holders of a key at once across every worker and
node (Subsonic's transcodes, one account's uploads). Beyond it the caller is told to retry, never queued."""

import time

from encore.state._port import Lease, SharedState


class HeldSlot:
    """One held slot. `keep` renews its lease while the work goes on (a slow client can hold a transcode for
    the length of the track, an upload for as long as it sends); `release` frees it, once."""

    def __init__(self, state: SharedState, lease: Lease, lease_s: float) -> None:
        self._state, self._lease, self._lease_s = state, lease, lease_s
        self._renewed = time.monotonic()
        self._held = True

    def due(self) -> bool:
        """Whether `keep` would renew now (a third of the lease has passed): an async caller asks first, so it
        hands only the renewals themselves to a thread."""
        return self._held and time.monotonic() - self._renewed > self._lease_s / 3

    def keep(self) -> None:
        if self.due():
            self._state.renew(self._lease, lease_s=self._lease_s)
            self._renewed = time.monotonic()

    def release(self) -> None:
        if self._held:
            self._held = False
            self._state.release(self._lease)


class Slots:
    """`limit` slots per key, leased: a worker that dies holding one frees it when the lease lapses
    (`lease_s`); a holder still at work renews its lease (`HeldSlot.keep`)."""

    def __init__(self, state: SharedState, *, limit: int, lease_s: float) -> None:
        self.limit, self._state, self._lease_s = limit, state, lease_s

    def try_acquire(self, key: str) -> HeldSlot | None:
        if self.limit <= 0:
            return None
        lease = self._state.acquire(key, limit=self.limit, lease_s=self._lease_s)
        return None if lease is None else HeldSlot(self._state, lease, self._lease_s)
