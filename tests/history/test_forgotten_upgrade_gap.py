"""A play forgotten by the release before (which kept only `forgotten-play:<uid>:<id>`, no per-listener marker)
is still refused by a late report after the upgrade: one report reads its id whatever the marker says (review25n L1)."""

from datetime import UTC, datetime, timedelta

import pytest

from encore import history
from encore.bootstrap import Container
from encore.db import transaction
from encore.history import FORGOTTEN_PLAY_S, PlayForgotten
from encore.portability import forgotten_lately
from tests.history.test_forgotten_play_report import _listener_and_track, _plays


def test_a_play_forgotten_before_the_upgrade_is_still_refused(container: Container) -> None:
    uid, tid, _ = _listener_and_track(container)
    # what remember_forgotten wrote at 26dad80: the per-id key only
    container.state.incr(f"forgotten-play:{uid}:play-old-1", ttl_s=FORGOTTEN_PLAY_S)
    now = datetime.now(UTC)
    with transaction(container.sessions) as s:
        r = history.PlayReport("play-old-1", tid, 180_000, now - timedelta(seconds=90), 60_000, "playing")
        with pytest.raises(PlayForgotten):  # before the marker: refused; the marker alone would have written it again
            history.report_play(
                s,
                user_id=uid,
                report=r,
                now=now,
                forgotten=forgotten_lately(s, user_id=uid, now=now, state=container.state),
            )
    assert _plays(container, uid) == []
