"""Per-app request windows for /v1, on the shared state so every worker and node counts against one window,
and each app's request counts, gathered in this process and added to the database now and then."""

import math
import threading
import time
from collections.abc import Callable

from encore.oauth._policy import RATE_WINDOW_S, Decision
from encore.state import SharedState

USAGE_FLUSH_S = 10.0


class AppRates:
    def __init__(
        self, state: SharedState, *, window_s: float = RATE_WINDOW_S, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._state, self._window_s, self._clock = state, window_s, clock
        # Usage counts are additive and written behind (never a decision), so a per-process buffer is enough.
        self._lock = threading.Lock()
        self._pending: dict[int, int] = {}
        self._flushed = clock()

    def hit(self, app_id: int, limit: int) -> Decision:
        """`limit` requests per window per app, refilled evenly (a refused request is not counted)."""
        hit = self._state.hit(f"oauth:rate:{app_id}", limit=max(1, limit), window_s=self._window_s)
        if not hit.allowed:
            return Decision(False, "rate limit exceeded", max(1, math.ceil(hit.retry_after_s)))
        with self._lock:
            self._pending[app_id] = self._pending.get(app_id, 0) + 1
        return Decision(True)

    def take_usage(self, *, force: bool = False) -> dict[int, int]:
        with self._lock:
            if not force and self._clock() - self._flushed < USAGE_FLUSH_S:
                return {}
            pending, self._pending, self._flushed = self._pending, {}, self._clock()
            return pending
