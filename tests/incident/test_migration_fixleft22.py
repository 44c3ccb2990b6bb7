"""fixleft22_1, on SQLite and PostgreSQL: albums the operator took down before the upgrade (the audit log said
so, as restore read it until then) keep their takedown, so that their label cannot publish them again; a
withdrawal of the label's, or a takedown the operator lifted since, sets nothing. Down and up again."""

from datetime import UTC, datetime, timedelta

from alembic import command
from sqlalchemy import inspect, select, text

from encore import audit
from encore.bootstrap import Container
from encore.catalog import Album
from encore.db import transaction
from encore.db._migrate import alembic_config

AT = datetime(2026, 12, 1, tzinfo=UTC)
PREVIOUS = "money22_1"


def _migrate(c: Container, *, to: str) -> None:
    cfg = alembic_config()
    with c.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        (command.downgrade if to != "head" else command.upgrade)(cfg, to)


def test_takedowns_from_the_audit_log_are_kept(container: Container) -> None:
    # album: its status, and the withdrawals and restores the audit log holds, oldest first
    story = {
        "taken": ("withdrawn", ["catalog.withdrawn"]),
        "long_reason": ("withdrawn", ["catalog.withdrawn"]),  # details cut into an escaped string by their bound
        "label_last": ("withdrawn", ["catalog.withdrawn", "catalog.restored", "label.withdrawn"]),
        "by_label": ("withdrawn", ["label.withdrawn"]),
        "lifted": ("published", ["catalog.withdrawn", "catalog.restored"]),
        "retaken": ("withdrawn", ["label.withdrawn", "label.published", "catalog.withdrawn"]),
    }
    with transaction(container.sessions) as s:
        for name, (status, _) in story.items():
            s.add(Album(public_id=f"alb_{name}", title=name, album_key=name, status=status))
    _migrate(container, to=PREVIOUS)
    with container.engine.connect() as conn:
        assert "taken_down_from" not in {c["name"] for c in inspect(conn).get_columns("albums")}
    with transaction(container.sessions) as s:
        for name, (_, kinds) in story.items():
            for n, kind in enumerate(kinds):
                details = {"by": "operator", "album": f"alb_{name}", "title": name}
                if name == "long_reason":
                    details["reason"] = "\U0001f3b5" * 500
                audit.record(s, kind=kind, now=AT + timedelta(minutes=n), actor_id=None, details=details)
    with container.engine.connect() as conn:
        cut = conn.execute(text("SELECT details FROM audit_events WHERE details LIKE '%truncated%'")).scalar()
        assert cut is not None and "alb_long_reason" in cut  # the case the escaped match is for
    _migrate(container, to="head")
    with container.sessions() as s:
        kept: dict[str, str | None] = dict(s.execute(select(Album.title, Album.taken_down_from)).all())
    assert kept == {
        "taken": "published",
        "long_reason": "published",
        "label_last": None,
        "by_label": None,
        "lifted": None,
        "retaken": "published",
    }
