"""review24m F4: a kept verified stream whose listener's account was erased before the drain was dropped without a
line. It is still not written (without the listener the AT_ONCE rule cannot be applied: `bootstrap.write_verified`),
but the refusal is logged, as every other refused write is."""

import logging
from datetime import timedelta
from functools import partial

import pytest
from sqlalchemy import delete, func, select

from encore import playback
from encore.accounts import User
from encore.bootstrap import Container, write_verified
from encore.db import transaction
from encore.playback import VerifiedStream
from tests.playback.test_edge_withdrawn import _song


def test_a_kept_stream_of_an_erased_listener_is_refused_with_a_line(
    container: Container, caplog: pytest.LogCaptureFixture
) -> None:
    c = container
    fan, song, _ = _song(c)
    c.verified_outbox.keep(playback.Verified(fan, song, "e" * 64, c.clock.now() - timedelta(minutes=3), 31_000))
    with transaction(c.sessions) as s:  # the account's row goes last in `accounts.erase`
        s.execute(delete(User).where(User.public_id == fan))
    with caplog.at_level(logging.INFO, logger="encore"):
        drained = c.verified_outbox.drain(partial(write_verified, c.sessions))
    with c.sessions() as s:
        assert s.scalar(select(func.count()).select_from(VerifiedStream)) == 0
    assert (drained.written, drained.refused) == (0, 1)
    said = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert said == [f"a verified stream was not written: its listener's account or its track is gone (play {'e' * 12})"]
