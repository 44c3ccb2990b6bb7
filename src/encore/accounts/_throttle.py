"""Login and sign-up throttles on the shared-state port, so every worker and node sees one count (#15).

Guessing is slowed per (account, client) with a growing delay, and per client over all accounts; an
owner typing the right password from another client is never held back by someone else's guesses.
Each attempt is reserved *before* the password is checked, in one atomic step, so 24 guesses sent
at once cannot all read "4 failures so far" and all go through a limit of 5.
"""

import hashlib
import math
from dataclasses import dataclass

from encore.accounts._policy import next_login_delay
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


def _ceil(seconds: float) -> int:
    return max(1, math.ceil(seconds))


def _key(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:40]


class LoginThrottle:
    def __init__(self, state: SharedState, limits: ThrottleLimits) -> None:
        self._state, self.limits = state, limits

    def reserve(self, *, username: str, client: str, now: float) -> Verdict:
        """Count one attempt against the (account, client) pair and the client, or refuse it; one atomic
        update of both, and a refused attempt counts nothing."""
        limits = self.limits

        def take(docs: list[Doc | None]) -> tuple[list[Doc | None], Verdict]:
            pair = docs[0] or {"n": 0, "until": 0.0}
            mine = docs[1] if docs[1] and now < docs[1]["reset"] else {"n": 0, "reset": now + limits.window_s}
            if mine["n"] >= limits.per_client:
                return [docs[0], docs[1]], Verdict(False, "too_many_attempts_client", _ceil(mine["reset"] - now))
            if now < pair["until"]:
                return [docs[0], docs[1]], Verdict(False, "too_many_attempts_account", _ceil(pair["until"] - now))
            n = pair["n"] + 1
            delay = next_login_delay(n, free=limits.free_attempts, base_s=limits.base_delay_s, cap_s=limits.max_delay_s)
            return [{"n": n, "until": now + delay}, {"n": mine["n"] + 1, "reset": mine["reset"]}], Verdict(True, "ok")

        keys = [self._pair(username, client), self._client(client)]
        return self._state.update(keys, take, ttl_s=self._ttls)

    def succeeded(self, *, username: str, client: str) -> None:
        """The right password: the pair starts over, and the attempt is given back to the client (only
        failures count against a client, so many people behind one address can all log in)."""

        def refund(docs: list[Doc | None]) -> tuple[list[Doc | None], None]:
            mine = docs[1]
            if mine is not None:
                mine = {**mine, "n": max(0, mine["n"] - 1)}
            return [None, mine], None

        self._state.update([self._pair(username, client), self._client(client)], refund, ttl_s=self._ttls)

    @property
    def _ttls(self) -> list[float | None]:
        return [self.limits.window_s + self.limits.max_delay_s, self.limits.window_s]

    @staticmethod
    def _client(client: str) -> str:
        return f"login:client:{_key(client)}"

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
