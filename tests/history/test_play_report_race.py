"""One play reported several times at the same moment (a player's progress report and its retry): one play,
with the most that was played, none a 500. Each racer found no play under that id and inserted one; the others
failed on the unique (listener, play id) key."""

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from encore import history
from encore.accounts import create_user
from encore.bootstrap import Container
from encore.db import transaction
from encore.history import Play, PlayReport
from tests.catalog import factories as f
from tests.support.races import race

RACERS = 6


def test_one_play_reported_at_once_is_one_play(container: Container) -> None:
    now = container.clock.now()
    with transaction(container.sessions) as s:
        user_id = create_user(s, username="alice", password="password-123").id
        band = f.artist(s, "Nina Vale")
        track = f.track(s, "Tide", f.album(s, "Harbour Lights", band), [band]).id

    def report(seconds: int) -> Callable[[Session], str]:
        played = PlayReport(
            client_play_id="play-0001", track_id=track, track_duration_ms=180_000,
            started_at=now - timedelta(minutes=5), ms_played=seconds * 1000, state="playing",
        )  # fmt: skip
        return lambda s: history.report_play(s, user_id=user_id, report=played, now=now).state

    assert race(container, [report(10 * (n + 1)) for n in range(RACERS)]) == ["playing"] * RACERS
    with container.sessions() as s:
        plays = list(s.scalars(select(Play)))
    assert len(plays) == 1 and plays[0].ms_played == 10_000 * RACERS
