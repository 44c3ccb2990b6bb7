"""A worker keeps "this listener was never on the free tier" (no `who` document: `AdClockBook.atap`), so a
Premium listener's requests ask Redis nothing for it; the moment another worker opens a free play for them (a
free URL issued: their `who` written), this worker's next request gets the tap and charges the ad clock."""

import asyncio
import time
from datetime import UTC, datetime

from encore.playback import AdClockBook, ClockState, PlayNames
from encore.state import RedisState

USER, TRACK = "u" * 22, "t" * 22


def _tapped(book: AdClockBook, state: RedisState) -> bool:
    async def go() -> bool:
        try:
            return await book.atap(USER, TRACK, interval_s=600) is not None
        finally:
            await state.aclose()

    return asyncio.run(go())


def test_a_listener_who_joins_the_free_tier_on_another_worker_is_charged_at_once(
    two_redis_states: tuple[RedisState, RedisState],
) -> None:
    a, b = two_redis_states
    here, there = AdClockBook(a), AdClockBook(b)
    deadline = time.monotonic() + 10
    while not a.watching("adclock:who:"):  # the first request starts the watch connection
        assert time.monotonic() < deadline, "the watch connection never came up"
        assert not _tapped(here, a)
        time.sleep(0.01)
    assert not _tapped(here, a)  # Premium: nothing to charge, kept
    now = datetime.now(UTC)
    there.move(
        None,  # type: ignore[arg-type]  # `loaded` is given: the book reads no database
        7,
        lambda st: (st.charged(track_id=1, duration_ms=200_000, now=now), None),
        loaded=ClockState(),
        names=PlayNames(USER, TRACK, 1),
    )
    assert _tapped(here, a)  # the next request, with no wait: charged
    assert a.watching("adclock:who:")
