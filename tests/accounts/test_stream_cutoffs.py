"""The byte path's sign-out check (`StreamCutoffs.alive`), on both shared states: one script run a request,
which Redis answers together with the other requests' of the same event-loop tick. A URL counts while its
generation is at least its account's cutoff and everyone's; the Lua and the Python rule answer alike."""

import asyncio
import itertools

from encore.accounts import StreamCutoffs
from encore.state import SharedState

USERS = ("alice000000000000000000", "bob00000000000000000000", "carol0000000000000000000")


async def _ask(cutoffs: StreamCutoffs, asked: list[tuple[str, int]], state: SharedState) -> list[bool]:
    """Every check asked in one tick, as concurrent requests ask them."""
    try:
        return list(await asyncio.gather(*(cutoffs.alive(user_public_id=u, generation=g) for u, g in asked)))
    finally:
        await state.aclose()


def test_a_url_counts_until_its_account_or_everyone_is_signed_out(state: SharedState) -> None:
    cutoffs = StreamCutoffs(state, ttl_s=3600)
    asked = list(itertools.product(USERS, range(9)))
    assert asyncio.run(_ask(cutoffs, asked, state)) == [True] * len(asked)  # nobody ever signed out

    cutoffs.cut(user_public_id=USERS[0], epoch=5)
    cutoffs.cut(user_public_id=USERS[1], epoch=2)
    cutoffs.cut(user_public_id=USERS[1], epoch=1)  # a cutoff never goes down
    want = [g >= {USERS[0]: 5, USERS[1]: 2}.get(u, 0) for u, g in asked]
    assert asyncio.run(_ask(cutoffs, asked, state)) == want
    assert False in want and True in want

    cutoffs.cut(user_public_id=None, epoch=7)  # sign out everyone
    want = [g >= 7 for _, g in asked]
    assert asyncio.run(_ask(cutoffs, asked, state)) == want


def test_a_cutoff_without_its_generation_refuses_nothing(state: SharedState) -> None:
    """A document under the cutoff's key that holds no generation (written by an older or foreign writer)
    counts as no cutoff, in both forms, instead of failing every request."""
    state.update(["signout:" + USERS[2]], lambda docs: ([{"other": 9}], None), ttl_s=[60.0])
    cutoffs = StreamCutoffs(state, ttl_s=3600)
    assert asyncio.run(_ask(cutoffs, [(USERS[2], 0), (USERS[2], 3)], state)) == [True, True]
