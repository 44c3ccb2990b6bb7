"""A listener's play queue saved by two devices at the same moment (Subsonic savePlayQueue as each app
pauses): the last save stands whole, none is a 500. Each racer found no queue and inserted one; the second
failed on its key."""

from collections.abc import Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from encore import library
from encore.accounts import create_user
from encore.bootstrap import Container
from encore.db import transaction
from encore.library import PlayQueue
from tests.catalog import factories as f
from tests.library.test_library import NOW
from tests.support.races import race

RACERS = 6


def test_a_queue_saved_by_several_devices_at_once_is_one_queue(container: Container) -> None:
    with transaction(container.sessions) as s:
        user_id = create_user(s, username="alice", password="password-123").id
        tracks = f.songs(s, 3)

    def save(device: int) -> Callable[[Session], str]:
        def move(s: Session) -> str:
            library.save_play_queue(
                s, user_id=user_id, track_ids=tracks, current=tracks[device % 3], position_ms=device,
                changed_by=f"device {device}", now=NOW,
            )  # fmt: skip
            return "saved"

        return move

    assert race(container, [save(d) for d in range(RACERS)]) == ["saved"] * RACERS
    with container.sessions() as s:
        assert s.scalar(select(func.count()).select_from(PlayQueue)) == 1
        queue = library.get_play_queue(s, user_id=user_id)
    assert queue is not None and [t.id for t in queue.tracks] == tracks
