"""fixleft22_1, on SQLite and PostgreSQL: albums the operator took down before the upgrade (the audit log said
so, as restore read it until then) keep their takedown, so that their label cannot publish them again; a
withdrawal of the label's, or a takedown the operator lifted since, sets nothing. Down and up again, also on
takedowns the current code wrote (review23 F6): one of a release its label had withdrawn, and one lifted since."""

import json
from datetime import UTC, datetime, timedelta

from alembic import command
from sqlalchemy import inspect, select, text

from encore.bootstrap import Container
from encore.catalog import Album, upsert_label
from encore.db import transaction
from encore.db._migrate import alembic_config
from encore.incident._takedown import restore_album, withdraw_album
from tests.support.migrate import insert_row

AT = datetime(2026, 12, 1, tzinfo=UTC)
PREVIOUS = "money22_1"


def _migrate(c: Container, *, to: str) -> None:
    cfg = alembic_config()
    with c.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        (command.downgrade if to != "head" else command.upgrade)(cfg, to)


def _as_recorded(details: dict[str, str]) -> str:
    """The details as `audit.record` wrote them at PREVIOUS: compact JSON, over 4,000 characters cut into an
    escaped string (the form the upgrade reads)."""
    text = json.dumps(details, separators=(",", ":"))
    return json.dumps({"truncated": text[:4000]}) if len(text) > 4000 else text


def test_takedowns_from_the_audit_log_are_kept(container: Container) -> None:
    # album: its status, and the withdrawals and restores the audit log holds, oldest first
    story = {
        "taken": ("withdrawn", ["catalog.withdrawn"]),
        "long_reason": ("withdrawn", ["catalog.withdrawn"]),  # details cut into an escaped string by their bound
        "label_last": ("withdrawn", ["catalog.withdrawn", "catalog.restored", "label.withdrawn"]),
        "by_label": ("withdrawn", ["label.withdrawn"]),
        "lifted": ("published", ["catalog.withdrawn", "catalog.restored"]),
        "retaken": ("withdrawn", ["label.withdrawn", "label.published", "catalog.withdrawn"]),
        "spoofed": ("withdrawn", ["catalog.withdrawn"]),  # no "from", a title that spells one
    }
    with transaction(container.sessions) as s:
        for name, (status, _) in story.items():
            s.add(Album(public_id=f"alb_{name}", title=name, album_key=name, status=status))
    _migrate(container, to=PREVIOUS)
    with container.engine.connect() as conn:
        assert "taken_down_from" not in {c["name"] for c in inspect(conn).get_columns("albums")}
    with container.engine.begin() as conn:  # the revision's own rows: plain SQL, not the ORM's later columns
        for name, (_, kinds) in story.items():
            for n, kind in enumerate(kinds):
                title = '","from":"withdrawn' if name == "spoofed" else name
                details = {"by": "operator", "album": f"alb_{name}", "title": title}
                if name == "long_reason":
                    details["reason"] = "\U0001f3b5" * 500
                insert_row(
                    conn, "audit_events", at=AT + timedelta(minutes=n), kind=kind, client_ip="", user_agent="",
                    details=_as_recorded(details),
                )  # fmt: skip
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
        "spoofed": "published",
    }


def test_takedowns_the_current_code_wrote_come_back_as_they_were(container: Container) -> None:
    # album: its status before the takedown, and whether the operator restores it; the titles and reasons are
    # hostile: a title that spells another "from", a reason whose escaped JSON passes the audit log's bound
    story = {
        "held": ("withdrawn", False),
        "lifted": ("withdrawn", True),
        "published": ("published", False),
        "restored": ("published", True),
        "long_reason": ("withdrawn", False),
        'x","from":"published': ("withdrawn", False),
    }
    with transaction(container.sessions) as s:
        label = upsert_label(s, name="Indie", kind=None)
        for n, (name, (status, _)) in enumerate(story.items()):
            s.add(Album(public_id=f"alb_{n}", title=name, album_key=f"k{n}", status=status, label_id=label.id))
    with transaction(container.sessions) as s:
        for n, name in enumerate(story):
            reason = "\U0001f3b5" * 500 if name == "long_reason" else "notice"
            withdraw_album(s, album_id=f"alb_{n}", actor_id=None, now=AT, reason=reason)
    with transaction(container.sessions) as s:
        for n, (_, restore) in enumerate(story.values()):
            if restore:
                restore_album(s, album_id=f"alb_{n}", actor_id=None, now=AT + timedelta(minutes=1))
    with container.sessions() as s:
        before = {t: (st, f) for t, st, f in s.execute(select(Album.title, Album.status, Album.taken_down_from))}
    assert before == {
        "held": ("withdrawn", "withdrawn"),
        "lifted": ("withdrawn", None),
        "published": ("withdrawn", "published"),
        "restored": ("published", None),
        "long_reason": ("withdrawn", "withdrawn"),
        'x","from":"published': ("withdrawn", "withdrawn"),
    }
    _migrate(container, to=PREVIOUS)
    _migrate(container, to="head")
    with container.sessions() as s:
        after = {t: (st, f) for t, st, f in s.execute(select(Album.title, Album.status, Album.taken_down_from))}
    assert after == before
    with container.engine.connect() as conn:
        cut = conn.execute(text("SELECT details FROM audit_events WHERE details LIKE '%truncated%'")).scalar()
    assert cut is not None and '\\"album\\":\\"alb_4\\",\\"from\\":\\"withdrawn\\"' in cut  # the escaped case
