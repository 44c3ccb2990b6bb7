"""erase18_1: SQLite never gives a deleted account's id to a new one (users AUTOINCREMENT). Without it, a sign-up
after the newest account's deletion got its id, and with it whatever the server still kept by that id (a play's
served spans, an ad clock) until that expired. The migration rebuilds `users` on SQLite, which with foreign keys
on would delete every row of every table that refers to it: every row must survive, in a run of its own and in
a run whose earlier migrations left a transaction open (where `PRAGMA foreign_keys=OFF` does nothing)."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Connection, Engine, delete, inspect, select, text

from encore.accounts import User, create_user, start_session
from encore.audit import AuditEvent
from encore.billing import BillingCustomer, Subscription
from encore.bootstrap import Container
from encore.db import create_db_engine, make_sessionmaker, transaction
from encore.db._migrate import alembic_config
from encore.library import Playlist
from tests.insights.world import make_world
from tests.support.migrate import insert_row

PREVIOUS = "money14b_1"
AT = datetime(2026, 11, 2, 20, tzinfo=UTC)


def _upgrade(engine: Engine, to: str, *, write_first: bool = False) -> None:
    cfg = alembic_config()
    with engine.begin() as conn:
        if write_first:  # what an earlier migration of the same run does: the driver opens a transaction
            conn.execute(text("UPDATE users SET display_name = display_name"))
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, to)


def _account(conn: Connection, name: str) -> int:
    return insert_row(
        conn, "users", public_id=f"usr_{name}", username=name, username_key=name, display_name="",
        password_hash="$argon2id$unused", role="listener", is_active=True, created_at=AT,
    )  # fmt: skip


def _fill(engine: Engine) -> None:
    """At PREVIOUS: accounts, and rows that refer to them by every kind of key: CASCADE (plays, sessions,
    playlists, subscriptions) and SET NULL (billing customers, the audit log). Written with that revision's columns
    (`insert_row`), so that a column a later migration adds changes nothing here."""
    with engine.begin() as conn:
        users = [_account(conn, name) for name in ("alice", "bob", "carol")]
        alice, bob, carol = users
        artist = insert_row(
            conn, "artists", public_id="art_1", name="Nina Vale", name_key="nina vale", sort_name="nina vale",
            created_at=AT,
        )  # fmt: skip
        album = insert_row(
            conn, "albums", public_id="alb_1", title="Harbour Lights", album_key="harbour lights", album_type="album",
            created_at=AT,
        )  # fmt: skip
        tracks = []
        for n in range(4):
            tracks.append(
                insert_row(
                    conn, "tracks", public_id=f"trk_{n}", album_id=album, title=f"Song {n}", duration_ms=180_000,
                    disc_number=1, track_number=n + 1, explicit=False, gain_db=0.0, audio_hash=f"{n:064x}",
                    updated_at=AT, created_at=AT,
                )
            )  # fmt: skip
            insert_row(conn, "track_artists", track_id=tracks[-1], artist_id=artist, position=0, role="main")
        for n, (user, track, day) in enumerate([*((alice, d % 4, d) for d in range(1, 6)), (bob, 2, 0)]):
            at = AT + timedelta(days=day)
            insert_row(
                conn, "plays", user_id=user, client_play_id=f"p{n:07d}", track_id=tracks[track], started_at=at,
                updated_at=at, ms_played=180_000, state="ended", shuffle=False, source="app", is_listen=True,
            )  # fmt: skip
        for user in users:
            insert_row(
                conn, "auth_sessions", user_id=user, token_hash=f"{user:064x}", expires_at=AT + timedelta(days=30),
                user_agent="test", created_at=AT,
            )  # fmt: skip
            insert_row(
                conn, "playlists", public_id=f"pl_{user}", owner_id=user, name="mine", description="", public=False,
                version=1, updated_at=AT, created_at=AT,
            )  # fmt: skip
        insert_row(conn, "billing_customers", user_id=carol, provider="stripe", customer_id="cus_carol", created_at=AT)
        insert_row(
            conn, "subscriptions", user_id=carol, plan="premium", state="active", provider="stripe", period_end=AT,
            created_at=AT,
        )  # fmt: skip
        insert_row(
            conn, "audit_events", at=AT, kind="account.created", actor_id=carol, subject_id=carol, client_ip="",
            user_agent="", details="{}",
        )  # fmt: skip


def _fill_now(engine: Engine) -> None:
    """The same kinds of rows at head, through the services and the ORM (whose columns are head's)."""
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
        s.add(Subscription(user_id=carol.id, plan="premium", state="active", provider="stripe", period_end=AT))
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
    with engine.begin() as conn:  # at erase18_1: its own columns, as in _fill
        newest = conn.execute(text("SELECT max(id) FROM users")).scalar_one()
        conn.execute(text("DELETE FROM users WHERE id = :id"), {"id": newest})  # the newest account is deleted...
    with engine.begin() as conn:
        assert _account(conn, "dave") == newest + 1  # ...its id stays used
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
