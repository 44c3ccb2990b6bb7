"""fix30a_1 (review29c L1): `albums.artwork_origin` says whose choice a cover is. Existing covers: the label's when
the newest cover edit the audit holds for the album names its current art (or, before 95e69377, names none); a file's
otherwise; none without a cover. The downgrade drops the column. Down and up, on SQLite and PostgreSQL."""

import json
from datetime import UTC, datetime

from sqlalchemy import text

from encore.db import create_db_engine
from tests.support.migrate import migrate_to

AT = datetime(2026, 12, 1, 12, tzinfo=UTC)
ALBUMS = {  # public id: (its art, the cover edits the audit holds for it, oldest first: the key each names)
    "chosen": ("k-chosen", ["k-older", "k-chosen"]),
    "replaced": ("k-file", ["k-label"]),  # a file's art replaced the label's cover since (before fix30a)
    "unnamed": ("k-some", [None]),  # an edit from before the audit named the key
    "chosen-then-file": ("k-file2", ["k-file2", "k-label2"]),  # its newest edit names other art
    "from-file": ("k-embedded", []),
    "none": (None, [None]),
}


def _origins(url: str) -> dict[str, str | None]:
    engine = create_db_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT public_id, artwork_origin FROM albums")).all()
    engine.dispose()
    return {str(a): o for a, o in rows}


def _columns(url: str) -> set[str]:
    engine = create_db_engine(url)
    with engine.connect() as conn:
        names = set(conn.execute(text("SELECT * FROM albums")).keys())
    engine.dispose()
    return names


def test_fix30a_1_gives_existing_covers_their_origin_and_goes_down_and_up(database_url: str) -> None:
    migrate_to(database_url, "lead29_1", up=False)
    engine = create_db_engine(database_url)
    with engine.begin() as conn:
        for album, (key, edits) in ALBUMS.items():
            conn.execute(
                text(
                    "INSERT INTO albums (public_id, title, album_key, album_type, artwork_key, created_at)"
                    " VALUES (:album, :album, :album, 'album', :key, :at)"
                ),
                {"album": album, "key": key, "at": AT},
            )
            for named in edits:
                said = {"label": "L", "album": album, "fields": ["cover"], "status": "published"}
                said |= {"artwork": named} if named else {}
                conn.execute(
                    text(
                        "INSERT INTO audit_events (at, kind, client_ip, user_agent, details)"
                        " VALUES (:at, 'label.edit', '', '', :details)"
                    ),
                    {"at": AT, "details": json.dumps(said, separators=(",", ":"))},
                )
        title = {"label": "L", "album": "from-file", "fields": ["title"]}  # an edit of another field
        conn.execute(
            text(
                "INSERT INTO audit_events (at, kind, client_ip, user_agent, details)"
                " VALUES (:at, 'label.edit', '', '', :d)"
            ),
            {"at": AT, "d": json.dumps(title)},
        )
    engine.dispose()
    assert "artwork_origin" not in _columns(database_url)
    after = {
        "chosen": "label",
        "replaced": "file",
        "unnamed": "label",
        "chosen-then-file": "file",
        "from-file": "file",
        "none": None,
    }
    migrate_to(database_url, "head", up=True)
    assert _origins(database_url) == after
    migrate_to(database_url, "lead29_1", up=False)
    assert "artwork_origin" not in _columns(database_url)
    migrate_to(database_url, "head", up=True)
    assert _origins(database_url) == after
