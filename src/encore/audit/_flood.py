"""Repeated events an attacker can produce at will (throttled log-ins) must not fill the audit log: per key
(a client), one row per window; the attempts in between are counted and reported on the next row."""

from datetime import datetime

from encore.state import Doc, SharedState

WINDOW_S = 300.0
_KEEP_S = 3600.0  # the dropped count outlives a window, so the next row can report it


class FloodGate:
    def __init__(self, state: SharedState, *, window_s: float = WINDOW_S) -> None:
        self._state, self._window = state, window_s

    def admit(self, key: str, *, now: datetime) -> int | None:
        """None: drop this event (it is counted). Otherwise record it, noting how many were dropped before."""
        at = now.timestamp()

        def change(docs: list[Doc | None]) -> tuple[list[Doc | None], int | None]:
            doc = docs[0] or {}
            if at < float(doc.get("until", 0)):
                return [{**doc, "dropped": int(doc.get("dropped", 0)) + 1}], None
            return [{"until": at + self._window, "dropped": 0}], int(doc.get("dropped", 0))

        return self._state.update([f"audit:flood:{key}"], change, ttl_s=[_KEEP_S])
