"""The byte path's sign-out check (`StreamCutoffs.alive`), on both shared states: one script run a request,
which Redis answers together with the other requests' of the same event-loop tick. A URL counts while its
generation is at least its account's cutoff and everyone's; the Lua and the Python rule answer alike."""

import asyncio
import itertools
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from encore.accounts import StreamCutoffs, User, create_user, issue_epoch, sign_out_account, sign_out_everyone
from encore.bootstrap import Container
from encore.db import transaction
from encore.state import RedisState, SharedState, StateUnavailable

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


def _alive(cutoffs: StreamCutoffs, sessions: sessionmaker[Session], public_id: str) -> bool:
    """Whether a stream URL of this account issued now would play: it carries the counter as it now stands."""
    with sessions() as s:
        generation = issue_epoch(s)
    return asyncio.run(cutoffs.alive(user_public_id=public_id, generation=generation))


def test_a_sign_out_cuts_the_urls_only_once_it_commits(container: Container, state: SharedState) -> None:
    """review23 F5: the cutoff was written to the shared state inside the sign-out's transaction, so one that
    rolled back (a failed commit, a later refusal; a savepoint given up; a session closed unsaved) left it, and
    every URL the account was handed afterwards carried the restored counter and was refused until the cutoff's
    TTL ended, though nobody had signed it out. On both shared states and both databases."""
    cutoffs, sessions = StreamCutoffs(state, ttl_s=3600), container.sessions
    with transaction(sessions) as s:
        alice, bob = (create_user(s, username=n, password="password-123") for n in ("alice", "bob"))
        uid, public, bobs = alice.id, alice.public_id, bob.public_id

    with pytest.raises(RuntimeError, match="refused"), transaction(sessions) as s:  # noqa: PT012
        sign_out_account(s, user_id=uid, cutoffs=cutoffs)
        raise RuntimeError("a later step refused")
    assert _alive(cutoffs, sessions, public)

    with pytest.raises(RuntimeError, match="refused"), transaction(sessions) as s:  # noqa: PT012
        sign_out_everyone(s, cutoffs=cutoffs)
        raise RuntimeError("a later step refused")
    assert _alive(cutoffs, sessions, public) and _alive(cutoffs, sessions, bobs)

    with transaction(sessions) as s:  # a savepoint given up, its transaction committed
        with pytest.raises(RuntimeError, match="given up"), s.begin_nested():  # noqa: PT012
            sign_out_account(s, user_id=uid, cutoffs=cutoffs)
            raise RuntimeError("given up")
        create_user(s, username="carol", password="password-123")
    assert _alive(cutoffs, sessions, public)

    s = sessions()  # closed without a commit, then the same session commits something else
    sign_out_account(s, user_id=uid, cutoffs=cutoffs)
    s.close()
    create_user(s, username="dave", password="password-123")
    s.commit()
    s.close()
    assert _alive(cutoffs, sessions, public)

    with sessions() as s:
        before = issue_epoch(s)  # what alice's URLs carry now
    with transaction(sessions) as s:
        with s.begin_nested():  # a savepoint kept: its sign-out commits with the transaction
            sign_out_account(s, user_id=uid, cutoffs=cutoffs)
        assert asyncio.run(cutoffs.alive(user_public_id=public, generation=before))  # not cut before the commit
    assert not asyncio.run(cutoffs.alive(user_public_id=public, generation=before))
    assert _alive(cutoffs, sessions, public) and asyncio.run(cutoffs.alive(user_public_id=bobs, generation=before))


def test_a_sign_out_fails_before_its_commit_while_the_state_is_down(container: Container, tmp_path: Path) -> None:
    """The cut is made after the commit, so a shared state that cannot be reached must fail the sign-out before
    it (as it did when the cut came first): else the credentials would be signed out, the sign-out answered as
    failed, and the URLs left playing."""
    down = RedisState(f"unix://{tmp_path / 'no-redis.sock'}", prefix="t:")
    cutoffs = StreamCutoffs(down, ttl_s=3600)
    with transaction(container.sessions) as s:
        alice = create_user(s, username="alice", password="password-123")
        uid, before = alice.id, (issue_epoch(s), alice.signed_out_epoch)
    try:
        with pytest.raises(StateUnavailable), transaction(container.sessions) as s:
            sign_out_account(s, user_id=uid, cutoffs=cutoffs)
    finally:
        down.close()
    with container.sessions() as s:
        user = s.get(User, uid)
        assert user is not None and (issue_epoch(s), user.signed_out_epoch) == before  # nothing committed
