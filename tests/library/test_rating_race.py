"""Two ratings of one item racing (#16): both read "not rated yet", then both write. The second must become
an update of the first, not a duplicate-key error (a 500 on Subsonic's setRating), on both databases."""

from datetime import timedelta
from typing import Any

from sqlalchemy import event, select

from encore import library
from encore.accounts import create_user
from encore.bootstrap import Container
from encore.db import transaction
from encore.library import Rating
from tests.catalog import factories as f
from tests.library.test_library import NOW


def test_a_rating_racing_another_of_the_same_item_updates_it(container: Container) -> None:
    with transaction(container.sessions) as s:
        listener = create_user(s, username="rater", password="rater-password-1").id
        artist = f.artist(s, "Nina Vale")
        track = f.track(s, "Song", f.album(s, "Harbour Lights", artist), [artist], number=1).public_id

    def rate(rating: int, later: timedelta) -> None:
        with transaction(container.sessions) as s:
            library.set_rating(s, user_id=listener, kind="track", item_id=track, rating=rating, now=NOW + later)

    fired: list[bool] = []

    def the_other_lands_first(_conn: Any, _cursor: Any, sql: str, *_: Any) -> None:
        # the first write to ratings: whatever this rating read before, the other one commits first
        if not fired and sql.lstrip().upper().startswith(("INSERT", "UPDATE")) and "ratings" in sql:
            fired.append(True)
            rate(5, timedelta(seconds=1))

    event.listen(container.engine, "before_cursor_execute", the_other_lands_first)
    try:
        with transaction(container.sessions) as slow:
            library.set_rating(slow, user_id=listener, kind="track", item_id=track, rating=3, now=NOW + timedelta(2))
    finally:
        event.remove(container.engine, "before_cursor_execute", the_other_lands_first)
    assert fired
    with transaction(container.sessions) as s:
        rows = s.execute(select(Rating.rating, Rating.rated_at).where(Rating.user_id == listener)).all()
    assert [(r, at) for r, at in rows] == [(3, NOW + timedelta(2))]  # the later write wins, one row


def test_clearing_a_rating_nobody_set_is_a_no_op(container: Container) -> None:
    with transaction(container.sessions) as s:
        listener = create_user(s, username="rater", password="rater-password-1").id
        artist = f.artist(s, "Nina Vale")
        track = f.track(s, "Song", f.album(s, "Harbour Lights", artist), [artist], number=1).public_id
        library.set_rating(s, user_id=listener, kind="track", item_id=track, rating=0, now=NOW)
        assert library.ratings_for(s, user_id=listener, kind="track", ids=[track]) == {}
        library.set_rating(s, user_id=listener, kind="track", item_id=track, rating=4, now=NOW)
        library.set_rating(s, user_id=listener, kind="track", item_id=track, rating=2, now=NOW)
        assert library.ratings_for(s, user_id=listener, kind="track", ids=[track]) == {track: 2}
        library.set_rating(s, user_id=listener, kind="track", item_id=track, rating=0, now=NOW)
        assert library.ratings_for(s, user_id=listener, kind="track", ids=[track]) == {}
