"""A full-scale listening world for the mixes job and Wrapped, written in bulk (issues #19 and #17).

`python -m bench.discovery.world --db /work/data/world-50m.db --listeners 10000 --plays 5000 [--tracks 100000]
[--groups 20] [--start 2024-01-01] [--train | --neighbours-from SMALL.db] [--keep]` (`--keep`: no new world,
only train or copy the recommender's tables on the existing one)

A rows-only catalogue (10 genres; an album's tracks share its artist, genre and latent taste group; one album in
25 released in the last three weeks, so Release Radar has something) and `--listeners` listeners with `--plays`
plays each between `--start` and NOW. Each listener belongs to taste group `id % groups`: 75% of their plays are
drawn from their group's tracks by a Zipf popularity, 25% from the whole catalogue by another; plays come in
sessions of about 8 tracks; 85% are listens (100-260 s), the rest skips (2-25 s). Each listener's plays depend
only on (seed, listener id), so a world of the first N listeners is exactly a prefix of a bigger one.

Written the way the product's own bulk paths leave the database, without their per-row cost:
- plays go through a temporary table of integers (numpy draws them, `executemany` in chunks) and one
  `INSERT ... SELECT` per chunk, with the secondary indexes and the `track_listens` triggers of `plays` dropped
  and recreated after the load (the same SQL, read from sqlite_master);
- `track_listens` holds the listens per track (what migration story_4's recount writes);
- `rollup_tracks` and `rollup_hours` hold every (listener, month) folded (what `history.fold` writes), and
  `rollup_dirty` is empty. `tests/discovery/test_world.py` shows all three equal to the product's own fold and
  recount on a small world.
The recommender's tables: `--train` runs `discovery.train` (fine for a few hundred listeners); `--neighbours-from`
copies the tables of a smaller world trained with `--train` (same seed and catalogue, so its listeners are the
first ones of this world): training on 50M plays is not what this bench measures.
"""

import argparse
import os
import sqlite3
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import numpy.typing as npt
from sqlalchemy import Connection, insert

from encore.accounts import User
from encore.catalog import Album, AlbumArtist, AlbumGenre, Artist, Genre, Track, TrackArtist
from encore.db import create_db_engine, make_sessionmaker, transaction, upgrade_to_head

NOW = datetime(2026, 12, 1, tzinfo=UTC)  # radio's and the mixes bench's clock
GENRES = 10
Ints = npt.NDArray[np.int64]


class World:
    """The latent structure: each track's taste group and the two popularity orders plays are drawn by."""

    def __init__(self, *, tracks: int, groups: int, seed: int) -> None:
        rng = np.random.default_rng([seed, 0])
        self.tracks, self.groups, self.seed = tracks, groups, seed
        self.n_albums, self.n_artists = max(tracks // 5, 1), max(tracks // 10, 1)
        track = np.arange(tracks)
        self.group_of = (track % self.n_albums) % groups  # a track's group is its album's
        self.pools = [rng.permutation(np.flatnonzero(self.group_of == g)) + 1 for g in range(groups)]
        self.pool_cdf = [_zipf_cdf(len(p), 1.0) for p in self.pools]
        self.everyone = rng.permutation(tracks) + 1
        self.everyone_cdf = _zipf_cdf(tracks, 1.05)
        album = np.arange(self.n_albums)
        own = rng.random(self.n_albums) < 0.6  # the catalogue knows the group for 60% of albums
        self.album_genre = np.where(own, (album % groups) % GENRES, rng.integers(0, GENRES, self.n_albums)) + 1

    def plays(self, user: int, count: int, start: datetime, end: datetime) -> dict[str, Ints]:
        """One listener's plays in time order: track, epoch second, listen (0/1), ms played."""
        rng = np.random.default_rng([self.seed, user])
        g = user % self.groups
        pool, cdf = self.pools[g], self.pool_cdf[g]
        own = pool[np.minimum(np.searchsorted(cdf, rng.random(count)), len(pool) - 1)]
        wide = self.everyone[np.minimum(np.searchsorted(self.everyone_cdf, rng.random(count)), self.tracks - 1)]
        track = np.where(rng.random(count) < 0.75, own, wide)
        first, span = int(start.timestamp()), int((end - start).total_seconds()) - 4 * 3600
        sessions = max(count // 8, 1)
        begins = rng.integers(0, span, sessions) + first
        session = np.sort(rng.integers(0, sessions, count))
        position = np.arange(count) - np.searchsorted(session, session)
        at = begins[session] + position * 215 + rng.integers(0, 30, count)
        listen = (rng.random(count) < 0.85).astype(np.int64)
        ms = np.where(listen == 1, rng.integers(100_000, 260_001, count), rng.integers(2_000, 25_001, count))
        order = np.argsort(at, kind="stable")
        return {"track": track[order], "at": at[order], "listen": listen[order], "ms": ms[order]}


def _zipf_cdf(n: int, s: float) -> npt.NDArray[np.float64]:
    cdf = np.cumsum(1.0 / np.arange(1, n + 1) ** s)
    return cdf / cdf[-1]


def _months_days_hours(at: Ints) -> tuple[Ints, Ints, Ints]:
    """UTC yyyymm, day of month and hour of epoch seconds (what `history` folds by)."""
    stamp = at.astype("datetime64[s]")
    month = stamp.astype("datetime64[M]")
    m = month.astype(np.int64)
    yyyymm = (m // 12 + 1970) * 100 + m % 12 + 1
    day = (stamp.astype("datetime64[D]") - month.astype("datetime64[D]")).astype(np.int64) + 1
    return yyyymm, day, (at // 3600) % 24


def rollups(user: int, p: dict[str, Ints]) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    """rollup_tracks and rollup_hours rows of one listener, as `history.fold` computes them from the plays."""
    yyyymm, day, hour = _months_days_hours(p["at"])
    heard = p["listen"] == 1
    key = yyyymm[heard] * 10_000_000 + p["track"][heard]
    keys, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)
    ms = np.bincount(inverse, weights=p["ms"][heard]).astype(np.int64)
    tracks = [
        (user, k // 10_000_000, k % 10_000_000, "", n, s, None, None, None)
        for k, n, s in zip(keys.tolist(), counts.tolist(), ms.tolist(), strict=True)
    ]
    key = (yyyymm * 100 + day) * 100 + hour
    keys, inverse = np.unique(key, return_inverse=True)
    listens = np.bincount(inverse, weights=p["listen"]).astype(np.int64)
    ms = np.bincount(inverse, weights=p["ms"]).astype(np.int64)
    hours = [
        (user, k // 10_000, k // 100 % 100, k % 100, n, s)
        for k, n, s in zip(keys.tolist(), listens.tolist(), ms.tolist(), strict=True)
    ]
    return tracks, hours


_PLAYS = (
    "INSERT INTO plays (user_id, client_play_id, track_id, started_at, updated_at, ms_played, state, shuffle, source,"
    " is_listen) SELECT u, printf('w%07d', k), t, x, x, ms, CASE l WHEN 1 THEN 'ended' ELSE 'skipped' END, 0, 'bench',"
    " l FROM (SELECT *, strftime('%Y-%m-%d %H:%M:%S', s, 'unixepoch') || '.000000' AS x FROM temp.w ORDER BY rowid)"
)  # SQLAlchemy's SQLite text for a UTC DateTime (bench.wrapped.generate writes the same)


def _catalogue(conn: Connection, world: World) -> None:
    """Rows through SQLAlchemy Core, so every column default the models give applies (100k rows: seconds)."""
    conn.execute(insert(Genre), [{"id": g, "name": f"Genre {g}", "key": f"genre {g}"} for g in range(1, GENRES + 1)])
    conn.execute(insert(Artist), [{"id": a, "public_id": f"ar{a:020d}", "name": f"Artist {a}", "name_key": f"artist {a}",
                                   "sort_name": f"artist {a}"} for a in range(1, world.n_artists + 1)])  # fmt: skip
    conn.execute(insert(Album), [{"id": b + 1, "public_id": f"al{b + 1:020d}", "title": f"Album {b + 1}",
                                  "album_key": f"{b + 1}", "release_date": _released(b)}
                                 for b in range(world.n_albums)])  # fmt: skip
    conn.execute(insert(AlbumArtist), [{"album_id": b + 1, "artist_id": b % world.n_artists + 1}
                                       for b in range(world.n_albums)])  # fmt: skip
    conn.execute(insert(AlbumGenre), [{"album_id": b + 1, "genre_id": g}
                                      for b, g in enumerate(world.album_genre.tolist())])  # fmt: skip
    conn.execute(insert(Track), [{"id": t + 1, "public_id": f"tr{t + 1:020d}", "album_id": t % world.n_albums + 1,
                                  "title": f"Track {t + 1}", "duration_ms": 215_000, "audio_hash": f"h{t + 1}",
                                  "track_number": t // world.n_albums + 1} for t in range(world.tracks)])  # fmt: skip
    conn.execute(insert(TrackArtist), [{"track_id": t + 1, "artist_id": (t % world.n_albums) % world.n_artists + 1}
                                       for t in range(world.tracks)])  # fmt: skip


def _released(album: int) -> date:
    if album % 25 == 24:  # album ids divisible by 25: new in the last three weeks
        return NOW.date() - timedelta(days=album % 21)
    return date(2000 + album % 25, 1 + album % 12, 1)


def _users(conn: Connection, listeners: int) -> None:
    conn.execute(insert(User), [{"id": u, "public_id": f"us{u:020d}", "username": f"l{u}", "username_key": f"l{u}",
                                 "display_name": f"Listener {u}", "password_hash": "-"}
                                for u in range(1, listeners + 1)])  # fmt: skip


def _secondary(con: sqlite3.Connection, tables: tuple[str, ...]) -> list[tuple[str, str, str]]:
    """(type, name, sql) of the indexes and triggers on `tables` that a bulk load can drop and recreate."""
    marks = ", ".join("?" * len(tables))
    rows = con.execute(
        f"SELECT type, name, sql FROM sqlite_master WHERE tbl_name IN ({marks}) AND type IN ('index', 'trigger')"  # noqa: S608
        " AND sql IS NOT NULL ORDER BY type, name",
        tables,
    )
    return list(rows)


def _chunks(listeners: int, size: int) -> Iterator[range]:
    for first in range(1, listeners + 1, size):
        yield range(first, min(first + size, listeners + 1))


def generate(db: Path, *, listeners: int, plays: int, tracks: int, groups: int, start: datetime, seed: int) -> None:
    t0, cpu0 = time.perf_counter(), time.process_time()
    engine = create_db_engine(f"sqlite:///{db}")
    upgrade_to_head(engine)
    world = World(tracks=tracks, groups=groups, seed=seed)
    with engine.begin() as conn:
        _catalogue(conn, world)
        _users(conn, listeners)
    engine.dispose()
    con = sqlite3.connect(db, isolation_level=None)
    for pragma in ("journal_mode=OFF", "synchronous=OFF", "cache_size=-400000", "temp_store=MEMORY", "threads=2"):
        con.execute(f"PRAGMA {pragma}")
    _say(f"catalogue of {tracks:,} tracks and {listeners:,} listeners", t0, cpu0)
    later = _secondary(con, ("plays", "rollup_tracks", "rollup_hours"))
    for kind, name, _ in later:
        con.execute(f"DROP {kind.upper()} {name}")
    con.execute("CREATE TEMP TABLE w (u INTEGER, k INTEGER, t INTEGER, s INTEGER, ms INTEGER, l INTEGER)")
    listens = np.zeros(tracks + 1, dtype=np.int64)
    written = 0
    for users in _chunks(listeners, 100):
        con.execute("BEGIN")
        for user in users:
            p = world.plays(user, plays, start, NOW)
            con.executemany(
                "INSERT INTO temp.w VALUES (?, ?, ?, ?, ?, ?)",
                zip([user] * plays, range(plays), p["track"].tolist(), p["at"].tolist(), p["ms"].tolist(),
                    p["listen"].tolist(), strict=True),
            )  # fmt: skip
            rows_t, rows_h = rollups(user, p)
            con.executemany("INSERT INTO rollup_tracks VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows_t)
            con.executemany("INSERT INTO rollup_hours VALUES (?, ?, ?, ?, ?, ?)", rows_h)
            listens += np.bincount(p["track"][p["listen"] == 1], minlength=tracks + 1)
        con.execute(_PLAYS)
        con.execute("DELETE FROM temp.w")
        con.execute("COMMIT")
        written += plays * len(users)
        if users.stop > listeners or (users.stop - 1) % 1000 == 0:
            _say(f"{users.stop - 1:,} listeners, {written:,} plays", t0, cpu0)
    con.executemany(
        "INSERT INTO track_listens (track_id, listens) VALUES (?, ?)",
        [(t, n) for t, n in enumerate(listens.tolist()) if n],
    )
    for kind, name, sql in later:  # indexes first, then the triggers (nothing is written after them here)
        step = time.perf_counter()
        con.execute(sql)
        print(f"  {kind} {name}: {time.perf_counter() - step:.1f} s", flush=True)
    con.execute("PRAGMA journal_mode=WAL")  # no ANALYZE: the product never runs it, so its planner has no stats
    con.close()
    _say(f"done: {db} ({db.stat().st_size / 1e9:.2f} GB)", t0, cpu0)


def train_here(db: Path) -> None:
    """`discovery.train`, the job's own code, on this world."""
    from encore import discovery  # imported here: generating a world does not load the recommender

    t0, cpu0 = time.perf_counter(), time.process_time()
    engine = create_db_engine(f"sqlite:///{db}")
    with transaction(make_sessionmaker(engine)) as s:
        stats = discovery.train(s, now=NOW)
    engine.dispose()
    _say(f"trained: {stats.as_dict()}", t0, cpu0)


def copy_neighbours(db: Path, source: Path) -> None:
    """The recommender's tables of a smaller world with the same catalogue (its listeners are ours too)."""
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("ATTACH DATABASE ? AS small", (str(source),))
    con.execute("BEGIN")
    for table in (
        "discovery_track_neighbours",
        "discovery_artist_neighbours",
        "discovery_contributors",
        "discovery_popularity",
    ):
        con.execute(f"DELETE FROM main.{table}")  # noqa: S608 (constant names)
        con.execute(f"INSERT INTO main.{table} SELECT * FROM small.{table}")  # noqa: S608
    con.execute("COMMIT")
    tables = ("discovery_track_neighbours", "discovery_artist_neighbours")
    counts = [con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables]  # noqa: S608
    con.close()
    print(f"copied {counts[0]:,} track and {counts[1]:,} artist neighbour rows from {source}", flush=True)


def _say(what: str, t0: float, cpu0: float) -> None:
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    print(f"{what}: wall {wall:.1f} s, CPU {cpu:.1f} s, load {os.getloadavg()[0]:.1f}", flush=True)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--db", type=Path, required=True)
    p.add_argument("--listeners", type=int, default=10_000)
    p.add_argument("--plays", type=int, default=5_000, help="plays per listener")
    p.add_argument("--tracks", type=int, default=100_000)
    p.add_argument("--groups", type=int, default=20)
    p.add_argument("--start", default="2024-01-01")
    p.add_argument("--seed", type=int, default=19)
    p.add_argument("--train", action="store_true", help="run discovery.train on this world")
    p.add_argument("--neighbours-from", type=Path, help="copy the recommender's tables of a smaller world")
    p.add_argument("--keep", action="store_true", help="do not generate: train or copy on the existing --db")
    args = p.parse_args()
    if not args.keep:
        args.db.parent.mkdir(parents=True, exist_ok=True)
        args.db.unlink(missing_ok=True)
        start = datetime.fromisoformat(args.start).replace(tzinfo=UTC)
        generate(args.db, listeners=args.listeners, plays=args.plays, tracks=args.tracks, groups=args.groups,
                 start=start, seed=args.seed)  # fmt: skip
    if args.train:
        train_here(args.db)
    if args.neighbours_from:
        copy_neighbours(args.db, args.neighbours_from)


if __name__ == "__main__":
    main()
