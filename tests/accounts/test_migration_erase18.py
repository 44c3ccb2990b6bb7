"""erase18_1: SQLite never gives a deleted account's id to a new one (users AUTOINCREMENT). Without it, a sign-up
after the newest account's deletion got its id, and with it whatever the server still kept by that id (a play's
served spans, an ad clock) until that expired. The migration rebuilds `users` on SQLite, which with foreign keys
on would delete every row of every table that refers to it: every row must survive, in a run of its own and in
a run whose earlier migrations left a transaction open (where `PRAGMA foreign_keys=OFF` does nothing)."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Connection, Engine, delete, func, insert, inspect, select, text

from encore.accounts import User, create_user, start_session
from encore.audit import AuditEvent
from encore.billing import BillingCustomer, Subscription
from encore.bootstrap import Container
from encore.db import create_db_engine, make_sessionmaker, transaction
from encore.db._migrate import alembic_config
from encore.library import Playlist
from tests.insights.world import make_world

PREVIOUS = "money14b_1"
AT = datetime(2026, 11, 2, 20, tzinfo=UTC)


def _upgrade(engine: Engine, to: str, *, write_first: bool = False) -> None:
    cfg = alembic_config()
    with engine.begin() as conn:
        if write_first:  # what an earlier migration of the same run does: the driver opens a transaction
            conn.execute(text("UPDATE users SET display_name = display_name"))
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, to)


# Columns a later migration adds to tables the world's factories write through the ORM (which names every
# column): present while filling, gone again before the migrations under test run.
LATER = (
    ("albums", "taken_down_from VARCHAR(10)"),
    ("albums", "status_changed_at DATETIME"),
    ("catalogue_version", "changed_ms BIGINT"),  # fixapi26_1's: every catalogue write moves it
    ("albums", "artwork_origin VARCHAR(5)"),  # fix30a_1's: whose choice the cover is
)


def _fill(engine: Engine) -> None:
    """Accounts, and rows that refer to them by every kind of key: CASCADE (plays, sessions, playlists,
    subscriptions) and SET NULL (billing customers, the audit log)."""
    with engine.begin() as conn:
        for table, column in LATER:
            conn.execute(text(f"ALTER TABLE {table} ADD COLUMN {column}"))
    _fill_now(engine)
    with engine.begin() as conn:
        for table, column in LATER:
            conn.execute(text(f"ALTER TABLE {table} DROP COLUMN {column.split()[0]}"))


def _fill_now(engine: Engine) -> None:
    with transaction(make_sessionmaker(engine)) as s:
        w = make_world(s)
        for day in range(1, 6):
            w.play(w.alice, day % 4, AT + timedelta(days=day))
        w.play(w.bob, 2, AT)
        carol = create_user(s, username="carol", password="carol-password-1")
        for user in s.scalars(select(User)).all():
            start_session(s, user=user, ttl=timedelta(days=30), now=AT, user_agent="test")
            s.add(Playlist(owner_id=user.id, name=f"{user.username}'s", updated_at=AT))
        s.add(BillingCustomer(user_id=carol.id, provider="stripe", customer_id="cus_carol"))
        # the columns of this migration's time: a later one's (money20_1's) is not there yet
        sub = {"user_id": carol.id, "plan": "premium", "state": "active", "provider": "stripe", "period_end": AT}
        s.execute(insert(Subscription.__table__).values(**sub))
        s.add(AuditEvent(kind="account.created", actor_id=carol.id, subject_id=carol.id, at=AT))


def _counts(conn: Connection) -> dict[str, int]:
    tables = conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'table'")).scalars().all()
    count = 'SELECT count(*) FROM "{}"'  # the names come from sqlite_master
    return {t: conn.execute(text(count.format(t))).scalar_one() for t in tables if t != "alembic_version"}


def _users_shape(conn: Connection) -> dict[str, object]:
    """Every column (type, nullability, default), unique key, foreign key and index of users."""
    i = inspect(conn)
    return {
        "columns": [(c["name"], str(c["type"]), c["nullable"], c["default"]) for c in i.get_columns("users")],
        "unique": sorted((u["name"], tuple(u["column_names"])) for u in i.get_unique_constraints("users")),
        "foreign": sorted(
            (f["name"], tuple(f["constrained_columns"]), f["referred_table"], str(f["options"]))
            for f in i.get_foreign_keys("users")
        ),
        "indexes": sorted((x["name"], tuple(x["column_names"]), x["unique"]) for x in i.get_indexes("users")),
        "pk": i.get_pk_constraint("users")["constrained_columns"],
    }


@pytest.mark.parametrize("write_first", [False, True], ids=["alone", "after_a_write_in_the_same_run"])
def test_users_rebuilt_on_sqlite_keeps_every_row_and_never_gives_an_id_again(tmp_path: Path, write_first: bool) -> None:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'ids.db'}")
    _upgrade(engine, PREVIOUS)
    _fill(engine)
    with engine.connect() as conn:
        before, shape = _counts(conn), _users_shape(conn)
        assert before["plays"] == 6 and before["auth_sessions"] == 3 and before["users"] == 3
        assert "AUTOINCREMENT" not in conn.execute(text("SELECT sql FROM sqlite_master WHERE name = 'users'")).scalar()
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1  # what makes a rebuild cascade

    _upgrade(engine, "erase18_1", write_first=write_first)  # this migration; later ones add tables

    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "erase18_1"
        assert "AUTOINCREMENT" in conn.execute(text("SELECT sql FROM sqlite_master WHERE name = 'users'")).scalar()
        after = _counts(conn)
        assert {t: n for t, n in after.items() if t != "sqlite_sequence"} == before  # every row of every table
        assert conn.execute(text("PRAGMA foreign_key_check")).all() == []
        assert _users_shape(conn) == shape
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1  # on again for the pooled connection
    sessions = make_sessionmaker(engine)
    with transaction(sessions) as s:
        newest = s.scalar(select(func.max(User.id)))
        assert newest is not None
        s.execute(delete(User).where(User.id == newest))  # the newest account is deleted...
    with transaction(sessions) as s:
        assert create_user(s, username="dave", password="dave-password-12").id == newest + 1  # ...its id stays used
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()


def test_down_and_up_again_keeps_every_row(tmp_path: Path) -> None:
    """The downgrade keeps AUTOINCREMENT (the older schema works with it); upgrading again rebuilds nothing."""
    engine = create_db_engine(f"sqlite:///{tmp_path / 'again.db'}")
    _upgrade(engine, "head")
    _fill_now(engine)
    with engine.connect() as conn:
        before = _counts(conn)
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, PREVIOUS)
    _upgrade(engine, "head", write_first=True)
    with engine.connect() as conn:
        assert _counts(conn) == before
        assert "AUTOINCREMENT" in conn.execute(text("SELECT sql FROM sqlite_master WHERE name = 'users'")).scalar()
    engine.dispose()


def test_a_deleted_accounts_id_is_never_given_again(container: Container) -> None:
    """On both databases at head (PostgreSQL's sequence never went back; SQLite now neither)."""
    with transaction(container.sessions) as s:
        ids = [create_user(s, username=f"u{i}", password="listener-pass-1").id for i in range(3)]
    with transaction(container.sessions) as s:
        s.execute(delete(User).where(User.id == ids[-1]))
    with transaction(container.sessions) as s:
        assert create_user(s, username="next", password="listener-pass-1").id > ids[-1]


def test_rows_already_missing_their_account_are_named_and_nothing_changes(tmp_path: Path) -> None:
    """review18 F4: an account deleted with foreign keys off (the sqlite3 shell's default) left its plays behind;
    the upgrade refused, blaming its own rebuild. It now says the rows were there before it and how to fix them."""
    engine = create_db_engine(f"sqlite:///{tmp_path / 'orphans.db'}")
    _upgrade(engine, PREVIOUS)
    _fill(engine)
    with engine.connect() as conn:
        conn.execute(text("PRAGMA foreign_keys=OFF"))
        bob = conn.execute(text("SELECT id FROM users WHERE username = 'bob'")).scalar_one()
        conn.execute(text("DELETE FROM users WHERE id = :id"), {"id": bob})
        conn.commit()
        conn.execute(text("PRAGMA foreign_keys=ON"))
        before = _counts(conn)
    with pytest.raises(RuntimeError, match=r"already has rows whose account is missing.*foreign_key_check"):
        _upgrade(engine, "head")
    with engine.connect() as conn:
        assert _counts(conn) == before  # nothing changed: the rows are the operator's to look at
        assert "AUTOINCREMENT" not in conn.execute(text("SELECT sql FROM sqlite_master WHERE name = 'users'")).scalar()
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()
