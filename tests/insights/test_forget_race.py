"""A Wrapped built while a forget commits is not stored over the forget. A public share page never folds and
builds a missing story from the rollups as it reads them: when it read them before a forget committed and saved
its story after, the stored story kept the forgotten play (for every later reader of the link, until the next
change of that year). The forget is let go at one chosen moment: right after the build's first rollup read."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from encore import insights
from encore.bootstrap import Container
from encore.db import transaction
from encore.history import Play
from encore.insights import Snapshot, WrappedSnapshot
from encore.portability import forget_play
from tests.insights.test_wrapped import _at
from tests.insights.world import NOW, make_world


@contextmanager
def _forget_at_first_rollup_read(container: Container, user_id: int, play_id: str) -> Iterator[list[str]]:
    """While the block runs, the first statement reading the rollups is followed by the forget, in its own
    transaction and connection, committed before the reader goes on."""
    done: list[str] = []

    def after(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if done or "rollup_tracks" not in statement or not statement.lstrip().upper().startswith("SELECT"):
            return
        done.append(statement)
        with transaction(container.sessions) as s:
            forget_play(s, jobs=container.jobs, user_id=user_id, play_id=play_id)

    event.listen(container.engine, "after_cursor_execute", after)
    try:
        yield done
    finally:
        event.remove(container.engine, "after_cursor_execute", after)


def _stored(s: Session, user_id: int) -> Snapshot | None:
    data = s.scalar(select(WrappedSnapshot.data).where(WrappedSnapshot.user_id == user_id))
    return None if data is None else Snapshot.from_json(data)


def test_a_share_page_building_while_a_play_is_forgotten_does_not_store_the_forgotten_play(
    container: Container,
) -> None:
    with transaction(container.sessions) as s:
        w = make_world(s)
        w.play(w.alice, 0, _at(2024, 1, 1))  # Tide: the play to forget
        w.play(w.alice, 2, _at(2024, 2, 1))
        w.play(w.alice, 2, _at(2024, 2, 2))
        w.flush()
        alice, tide = w.alice, s.scalar(select(Play.client_play_id).where(Play.track_id == w.tracks[0].id))
        insights.fold_marked(s)
    assert tide is not None

    forget = _forget_at_first_rollup_read(container, alice, tide)
    with forget as forgot, transaction(container.sessions) as s:  # a share page: no fold, builds and stores
        served = insights.get_wrapped(s, user_id=alice, period="2024", now=NOW, fold=False)
    assert forgot, "the forget never ran during the build"
    assert served.listens == 3  # read before the forget: served once, as any read a moment earlier would be

    with container.sessions() as s:
        stored = _stored(s, alice)
        assert stored is None or stored.listens == 2, stored
        later = insights.get_wrapped(s, user_id=alice, period="2024", now=NOW, fold=False)
    assert later.listens == 2 and "Tide" not in [t.name for t in later.top_tracks]
