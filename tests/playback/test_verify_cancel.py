"""A verification whose caller is cancelled after asking (a request task cancelled at shutdown, by a timeout or a
middleware) must not be applied unseen: the group applied it, its DONE was dropped, and every later merge of the
play answered not-done, so the verified stream was never recorded (found by the review of charge12)."""

import asyncio

from encore.playback import VERIFY_MIN_MS
from encore.playback._verifymove import DONE, VERIFY, verify_args
from encore.state import RedisState
from tests.playback.test_charge_script import DURATION_MS, SIZES


def test_a_cancelled_merge_leaves_the_play_to_be_verified_later(redis_state: RedisState) -> None:
    rendition = next(iter(SIZES))
    size = SIZES[rendition]
    first = 1_796_000_000_123_457
    whole = verify_args(first, DURATION_MS * 1000, rendition, size, DURATION_MS, VERIFY_MIN_MS, ((0, size),))
    key = "verify:" + "a" * 22 + ":" + "t" * 22

    async def go() -> tuple[object, list[int]]:
        try:
            asked = asyncio.ensure_future(redis_state.arun(VERIFY, [key], whole, ttl_s=[3600.0]))
            await asyncio.sleep(0)  # the merge was asked (the request's task ran up to its await)
            asked.cancel()  # e.g. the request's task is cancelled (shutdown, a timeout, a middleware)
            try:
                first_reply: object = await asked
            except asyncio.CancelledError:
                first_reply = "cancelled"
            await asyncio.sleep(0.2)
            later = await redis_state.arun(VERIFY, [key], whole, ttl_s=[3600.0])
            return first_reply, later
        finally:
            await redis_state.aclose()

    first_reply, later = asyncio.run(go())
    assert first_reply == "cancelled"
    assert later[0] == DONE, "nobody ever saw DONE: the verified stream is lost"
