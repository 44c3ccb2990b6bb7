"""An uncatalogued track's rollup key is text_key of its exact text, whoever computes it: SQLite's fold
calls it as a SQL function, PostgreSQL's in Python (issue #17). Odd text (separators, non-ASCII) is kept."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from encore import history
from encore.accounts import create_user
from encore.bootstrap import Container
from encore.db import transaction
from encore.history._rollups import text_key

NOW = datetime(2024, 6, 1, tzinfo=UTC)
TEXTS = [
    ("Band", "Song", None),
    ("band", "SONG", "Album"),  # exact text: not the same track as below for the rollups
    ("Bänd ☂", "Sóng\x1fwith a separator", "Ālbum"),
    ("Band", "Song", "Album"),
]


def test_the_database_keys_each_text_as_text_key_does(container: Container) -> None:
    with transaction(container.sessions) as s:
        user = create_user(s, username="keyed", password="listener-pass-1").id
        listens = [
            history.ListenIn(
                listened_at=NOW - timedelta(days=3, minutes=10 * i + j),
                artist_name=a,
                track_name=t,
                release_name=r,
                ms_played=200_000,
            )
            for i, (a, t, r) in enumerate(TEXTS)
            for j in range(i + 1)  # the i-th text heard i + 1 times
        ]
        history.submit_listens(s, user_id=user, listens=listens, source="lb", now=NOW)
    with transaction(container.sessions) as s:
        history.fold(s, user_id=user)
    with transaction(container.sessions) as s:
        rows = s.execute(
            select(
                history.RollupTrack.text_key, history.RollupTrack.listens, history.RollupTrack.artist_name,
                history.RollupTrack.track_name, history.RollupTrack.release_name,
            ).where(history.RollupTrack.user_id == user, history.RollupTrack.track_id == 0)
        ).all()  # fmt: skip
    assert sorted((key, n) for key, n, *_ in rows) == sorted((text_key(*text), i + 1) for i, text in enumerate(TEXTS))
    assert all(key == text_key(a, t, r) for key, _, a, t, r in rows)
