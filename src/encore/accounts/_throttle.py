"""Login and sign-up throttles on the shared-state port, so every worker and node sees one count (#15).

Guessing is slowed per (account, client) with a growing delay, and per client over all accounts; an
owner typing the right password from another client is never held back by someone else's guesses.
Each attempt is reserved *before* the password is checked, in one atomic step, so 24 guesses sent
at once cannot all read "4 failures so far" and all go through a limit of 5.
"""

import hashlib
import math
from dataclasses import dataclass

from encore.accounts._policy import Decision, next_login_delay
from encore.state import Doc, SharedState


@dataclass(frozen=True)
class ThrottleLimits:
    free_attempts: int  # per (account, client) before delays start
    per_client: int  # attempts per window from one client, over all accounts
    window_s: float
    base_delay_s: float = 1.0
    max_delay_s: float = 3600.0
    signups_per_client: int = 5
    signup_window_s: float = 3600.0


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    reason: str
    retry_after_s: int = 0


def _key(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:40]


class LoginThrottle:
    def __init__(self, state: SharedState, limits: ThrottleLimits) -> None:
        self._state, self.limits = state, limits

    def reserve(self, *, username: str, client: str, now: float) -> Verdict:
        """Count one attempt, or refuse it (a refused attempt counts nothing)."""
        client_hit = self._state.hit(
            f"login:client:{_key(client)}", limit=self.limits.per_client, window_s=self.limits.window_s
        )
        if not client_hit.allowed:
            return Verdict(False, "too_many_attempts_client", max(1, math.ceil(client_hit.retry_after_s)))
        limits = self.limits

        def take(docs: list[Doc | None]) -> tuple[list[Doc | None], Decision]:
            doc = docs[0] or {"n": 0, "until": 0.0}
            if now < doc["until"]:
                return [doc], Decision(False, "too_many_attempts_account")
            n = doc["n"] + 1
            delay = next_login_delay(n, free=limits.free_attempts, base_s=limits.base_delay_s, cap_s=limits.max_delay_s)
            return [{"n": n, "until": now + delay}], Decision(True, "ok")

        key = self._pair(username, client)
        decision = self._state.update([key], take, ttl_s=[self.limits.window_s + self.limits.max_delay_s])
        if decision.allowed:
            return Verdict(True, "ok")
        doc = self._state.get(key) or {"until": now + 1}
        return Verdict(False, decision.reason, max(1, math.ceil(doc["until"] - now)))

    def succeeded(self, *, username: str, client: str) -> None:
        self._state.delete(self._pair(username, client))

    def signup(self, *, client: str) -> Verdict:
        hit = self._state.hit(
            f"signup:client:{_key(client)}",
            limit=self.limits.signups_per_client,
            window_s=self.limits.signup_window_s,
        )
        if hit.allowed:
            return Verdict(True, "ok")
        return Verdict(False, "too_many_signups", max(1, math.ceil(hit.retry_after_s)))

    @staticmethod
    def _pair(username: str, client: str) -> str:
        return f"login:pair:{_key(username.casefold(), client)}"
