"""Hole 6 (#15): the login throttle is atomic on the shared-state port, grows its delays, and sign-ups
are limited. Each test runs on the in-process state and on Redis (many workers, many nodes)."""

import threading

from encore.accounts import LoginThrottle, ThrottleLimits, next_login_delay
from encore.state import SharedState

LIMITS = ThrottleLimits(free_attempts=5, per_client=100, window_s=900, base_delay_s=1, max_delay_s=3600)


def test_24_parallel_guesses_cannot_pass_a_limit_of_5(state: SharedState) -> None:
    throttle = LoginThrottle(state, LIMITS)
    start = threading.Barrier(24)
    allowed: list[bool] = []

    def guess() -> None:
        start.wait()
        allowed.append(throttle.reserve(username="alice", client="10.0.0.9", now=1000.0).allowed)

    threads = [threading.Thread(target=guess) for _ in range(24)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(allowed) == 5 and len(allowed) == 24


def test_delays_grow_after_the_free_attempts(state: SharedState) -> None:
    throttle = LoginThrottle(state, LIMITS)
    now = 1000.0
    for _ in range(5):
        assert throttle.reserve(username="alice", client="c", now=now).allowed
    waits = []
    for _ in range(4):
        refused = throttle.reserve(username="alice", client="c", now=now)
        assert not refused.allowed and refused.reason == "too_many_attempts_account"
        waits.append(refused.retry_after_s)
        now += refused.retry_after_s
        assert throttle.reserve(username="alice", client="c", now=now).allowed
    assert waits == [1, 2, 4, 8]
    assert throttle.reserve(username="alice", client="other", now=now).allowed  # another client: untouched
    throttle.succeeded(username="ALICE", client="c")
    assert throttle.reserve(username="alice", client="c", now=now).allowed  # a success starts over


def test_one_client_is_limited_over_all_accounts(state: SharedState) -> None:
    throttle = LoginThrottle(state, ThrottleLimits(free_attempts=5, per_client=10, window_s=900))
    results = [throttle.reserve(username=f"user{i}", client="spray", now=1000.0) for i in range(12)]
    assert [r.allowed for r in results] == [True] * 10 + [False] * 2
    assert results[-1].reason == "too_many_attempts_client"
    assert throttle.reserve(username="user0", client="elsewhere", now=1000.0).allowed


def test_many_people_behind_one_address_all_log_in(state: SharedState) -> None:
    throttle = LoginThrottle(state, ThrottleLimits(free_attempts=5, per_client=10, window_s=900))
    for i in range(40):  # an office behind one NAT: successes give their attempt back
        assert throttle.reserve(username=f"staff{i}", client="office", now=1000.0).allowed
        throttle.succeeded(username=f"staff{i}", client="office")


def test_signups_are_limited_per_client(state: SharedState) -> None:
    throttle = LoginThrottle(state, ThrottleLimits(free_attempts=5, per_client=10, window_s=900, signups_per_client=3))
    assert [throttle.signup(client="bot").allowed for _ in range(4)] == [True, True, True, False]
    assert throttle.signup(client="someone").allowed


def test_the_delay_rule() -> None:
    assert [next_login_delay(n, free=5, base_s=1, cap_s=60) for n in range(1, 12)] == [
        0, 0, 0, 0, 1, 2, 4, 8, 16, 32, 60,
    ]  # fmt: skip
    assert next_login_delay(10_000, free=5, base_s=1, cap_s=3600) == 3600
