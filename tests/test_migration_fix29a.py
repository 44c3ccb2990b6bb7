"""fix29a_1 (review28a L5): a `history.forget_play` job an app's resume left before fix29a (its payload marked
`resumed`) becomes a `history.forget_resumed` record, which the listener's job list leaves out; the listener's own
deletes stay `history.forget_play`. The downgrade moves the records back. Down and up, on SQLite and PostgreSQL."""

import json
from datetime import UTC, datetime

from sqlalchemy import text

from encore.db import create_db_engine
from tests.support.migrate import migrate_to

AT = datetime(2026, 12, 1, 12, tzinfo=UTC)


def _kinds(url: str) -> dict[str, str]:
    engine = create_db_engine(url)
    with engine.begin() as conn:
        kinds = {str(row[0]): str(row[1]) for row in conn.execute(text("SELECT key, kind FROM jobs"))}
    engine.dispose()
    return kinds


def test_fix29a_1_moves_the_resumes_jobs_out_of_the_listeners_list_and_back(database_url: str) -> None:
    migrate_to(database_url, "lead28_1", up=False)
    play = {"track_id": 7, "since": "x", "until": "y", "started_at": AT.isoformat()}
    rows = {
        "deleted": ("history.forget_play", play),
        "resumed": ("history.forget_play", {**play, "resumed": True}),
        "import": ("history.import", {"note": '"resumed": true'}),  # another kind's payload is left alone
    }
    engine = create_db_engine(database_url)
    with engine.begin() as conn:
        for key, (kind, payload) in rows.items():
            conn.execute(
                text(
                    "INSERT INTO jobs (public_id, kind, key, state, attempts, done, payload, created_at, updated_at)"
                    " VALUES (:key, :kind, :key, 'done', 1, 1, :payload, :at, :at)"
                ),
                {"key": key, "kind": kind, "payload": json.dumps(payload), "at": AT},
            )
    engine.dispose()
    before = {"deleted": "history.forget_play", "resumed": "history.forget_play", "import": "history.import"}
    assert _kinds(database_url) == before
    migrate_to(database_url, "head", up=True)
    assert _kinds(database_url) == {**before, "resumed": "history.forget_resumed"}
    migrate_to(database_url, "lead28_1", up=False)
    assert _kinds(database_url) == before
    migrate_to(database_url, "head", up=True)
    assert _kinds(database_url) == {**before, "resumed": "history.forget_resumed"}
