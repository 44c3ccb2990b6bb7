"""The bulk world generator (bench/discovery/world.py) leaves the database as the product's own paths would:
its rollups equal what `history.fold` computes from the same plays, its `track_listens` what the triggers
count, and the schema (indexes, triggers) what the migrations made. SQLite only: the generator writes SQLite."""

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from bench.discovery.world import NOW, World, generate, rollups
from sqlalchemy import select

from encore.db import create_db_engine, make_sessionmaker, transaction, upgrade_to_head
from encore.history import Play, fold

START = datetime(2025, 9, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def world_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("world") / "world.db"
    generate(db, listeners=9, plays=400, tracks=600, groups=3, start=START, seed=5)
    return db


def _rows(con: sqlite3.Connection, table: str) -> list[tuple[object, ...]]:
    return sorted(con.execute(f"SELECT * FROM {table}").fetchall())  # noqa: S608 (constant names)


def test_rollups_equal_the_products_fold_of_the_same_plays(world_db: Path, tmp_path: Path) -> None:
    con = sqlite3.connect(world_db)
    written = {t: _rows(con, t) for t in ("rollup_tracks", "rollup_hours")}
    assert con.execute("SELECT count(*) FROM rollup_dirty").fetchone()[0] == 0  # nothing left to fold
    assert len(written["rollup_tracks"]) > 500 and len(written["rollup_hours"]) > 500
    months = {m for _, m, *_ in written["rollup_hours"]}
    assert len(months) >= 12  # the plays span the months from START to NOW
    con.close()
    copy = tmp_path / "refold.db"
    with sqlite3.connect(world_db) as src, sqlite3.connect(copy) as dst:
        src.backup(dst)
    with sqlite3.connect(copy) as c:  # mark every (listener, month) with plays, as migration story_3 does
        c.execute("DELETE FROM rollup_tracks")
        c.execute("DELETE FROM rollup_hours")
        c.execute(
            "INSERT INTO rollup_dirty (user_id, month, generation) SELECT DISTINCT user_id,"
            " CAST(substr(started_at, 1, 4) AS INTEGER) * 100 + CAST(substr(started_at, 6, 2) AS INTEGER), 1 FROM plays"
        )
    engine = create_db_engine(f"sqlite:///{copy}")
    with transaction(make_sessionmaker(engine)) as s:
        folded = fold(s)
    engine.dispose()
    assert len(folded) == len({(u, m) for u, m, *_ in written["rollup_hours"]}) > 9 * 10
    with sqlite3.connect(copy) as c:
        assert {t: _rows(c, t) for t in written} == written


def test_track_listens_count_the_listens_and_the_triggers_are_back(world_db: Path, tmp_path: Path) -> None:
    con = sqlite3.connect(world_db)
    counted = dict(
        con.execute("SELECT track_id, count(*) FROM plays WHERE is_listen AND track_id IS NOT NULL GROUP BY track_id")
    )
    assert dict(con.execute("SELECT track_id, listens FROM track_listens")) == counted
    assert con.execute("SELECT count(*) FROM plays").fetchone()[0] == 9 * 400
    con.close()
    copy = tmp_path / "trigger.db"
    with sqlite3.connect(world_db) as src, sqlite3.connect(copy) as dst:
        src.backup(dst)
    track = max(counted, key=lambda t: counted[t])
    engine = create_db_engine(f"sqlite:///{copy}")
    with transaction(make_sessionmaker(engine)) as s:  # a product write after the bulk load: the trigger counts it
        at = NOW - timedelta(hours=1)
        s.add(Play(user_id=1, client_play_id="after", track_id=track, started_at=at, updated_at=at,
                   ms_played=200_000, state="ended", is_listen=True))  # fmt: skip
    with make_sessionmaker(engine)() as s:  # the stored text reads back as the UTC instants generated
        first = s.scalar(select(Play.started_at).where(Play.user_id == 2).order_by(Play.started_at).limit(1))
    engine.dispose()
    with sqlite3.connect(copy) as c:
        assert c.execute("SELECT listens FROM track_listens WHERE track_id = ?", (track,)).fetchone()[0] == (
            counted[track] + 1
        )
    p = World(tracks=600, groups=3, seed=5).plays(2, 400, START, NOW)
    assert first == datetime.fromtimestamp(int(p["at"][0]), tz=UTC)


def test_the_indexes_and_triggers_are_the_migrated_ones(world_db: Path, tmp_path: Path) -> None:
    fresh = tmp_path / "fresh.db"
    engine = create_db_engine(f"sqlite:///{fresh}")
    upgrade_to_head(engine)
    engine.dispose()
    query = "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE type IN ('index', 'trigger') ORDER BY name"
    with sqlite3.connect(fresh) as a, sqlite3.connect(world_db) as b:
        want, got = a.execute(query).fetchall(), b.execute(query).fetchall()
    assert {r[1] for r in got if r[2] == "plays"} >= {"ix_plays_wrapped", "plays_listens_ad"}
    assert got == want


def test_a_smaller_world_is_a_prefix_of_a_bigger_one() -> None:
    """Why a world's recommender can be trained on its first listeners alone (`--neighbours-from`)."""
    a = World(tracks=600, groups=3, seed=5).plays(7, 300, START, NOW)
    b = World(tracks=600, groups=3, seed=5).plays(7, 300, START, NOW)
    assert all((a[k] == b[k]).all() for k in a)
    tracks, hours = rollups(7, a)
    assert sum(r[4] for r in tracks) == int(a["listen"].sum())  # type: ignore[misc]
    assert sum(r[5] for r in hours) == int(a["ms"].sum())  # type: ignore[misc]
