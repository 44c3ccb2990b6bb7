"""The verified streams' outbox with Redis: the shared state first, this node's spool behind it (fixout24).

With Redis configured, a record whose write failed was kept on the shared state only: with Redis away too at the
response's end (one network fault can take both), it was neither written nor kept, and lost unless more of its
play was sent. It now goes to the node's own spool (`SpoolOutbox`, fsynced files under the data dir), as without
Redis. The shared documents are drained by the cluster's minutely job (one node a minute, any node); a spool
only by a process on its node, so every node drains its own (`JobEngine.every_minute_here`, run by `encore
serve`, whatever ENCORE_JOBS_IN_PROCESS, and by `encore worker`)."""

import logging
from collections.abc import Collection

from encore.playback._outbox import DRAIN_MAX, Aside, Drained, StateOutbox, Write
from encore.playback._outbox_spool import SpoolOutbox
from encore.playback._verified import Verified

log = logging.getLogger(__name__)


class SharedOutbox:
    def __init__(self, shared: StateOutbox, spool: SpoolOutbox) -> None:
        self.shared, self.spool = shared, spool

    def keep(self, verified: Verified) -> None:
        try:
            self.shared.keep(verified)
        except Exception as failed:  # Redis away or timing out, or its outbox full
            self.spool.keep(verified)  # raises when the disk cannot keep it either: the byte path logs it lost
            log.warning(
                "the shared outbox could not keep a verified stream (%s: %s); it is kept in this node's spool and "
                "written by this node's minutely drain",
                type(failed).__name__,
                failed,
            )

    def drain(self, write: Write, *, limit: int = DRAIN_MAX) -> Drained:
        """The shared documents (the cluster's minutely job)."""
        return self.shared.drain(write, limit=limit)

    def drain_here(self, write: Write, *, limit: int = DRAIN_MAX) -> Drained:
        """This node's spool (each node's own minutely run)."""
        return self.spool.drain(write, limit=limit)

    def aside(self) -> list[Aside]:
        """The shared records set aside, and this node's."""
        return [*self.shared.aside(), *self.spool.aside()]

    def retry(self, names: Collection[str] | None) -> int:
        return self.shared.retry(names) + self.spool.retry(names)
