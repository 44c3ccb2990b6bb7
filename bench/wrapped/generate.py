"""Generate a Wrapped benchmark database: a rows-only catalogue with genres, listeners and their plays.

`python -m bench.wrapped.generate --db var/bench-wrapped.db --listeners 1000 --plays 5000 --start 2024-01-01 --days 366`
writes `--plays` plays per listener, Zipf-popular tracks, within `--days` days of `--start` (UTC).
`--heavy N` adds one more listener (the last id) with N plays over the same window.
"""

import argparse
import bisect
import itertools
import random
import sqlite3
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.search.generate import generate as generate_catalogue
from encore.kernel import new_public_id

GENRES = ["Pop", "Rock", "Jazz", "Hip-Hop", "Electronic", "Folk", "Classical", "Soul", "Metal", "Ambient"]
# The plays indexes, dropped during the bulk load and rebuilt after it (same names as the migrations).
INDEXES = {
    "ix_plays_track_started": "plays (track_id, started_at)",
    "ix_plays_wrapped": "plays (user_id, started_at, is_listen, track_id, ms_played)",
}


def _stamp(at: datetime) -> str:
    """SQLAlchemy's SQLite storage format for DateTime, which Encore's queries read."""
    return at.strftime("%Y-%m-%d %H:%M:%S.%f")


def _plays(
    user_id: int, count: int, rng: random.Random, cum: list[float], *, n_tracks: int, start: datetime, days: int
) -> list[tuple[object, ...]]:
    offset = rng.randrange(n_tracks)  # each listener ranks the catalogue differently
    span = days * 86_400
    rows = []
    for k, secs in enumerate(sorted(rng.randrange(span) for _ in range(count))):
        track = (bisect.bisect(cum, rng.random() * cum[-1]) + offset) % n_tracks + 1
        at = _stamp(start + timedelta(seconds=secs))
        listen = rng.random() < 0.85
        ms = rng.randint(100_000, 260_000) if listen else rng.randint(2_000, 25_000)
        rows.append((user_id, f"b{k}", track, at, at, ms, "ended" if listen else "skipped", 0, "bench", int(listen)))
    return rows


def generate(db: Path, *, tracks: int, listeners: int, plays: int, heavy: int, start: datetime, days: int) -> None:
    t0 = time.time()
    generate_catalogue(db, tracks)
    con = sqlite3.connect(db)
    con.execute("PRAGMA synchronous=OFF")
    now = _stamp(datetime.now(UTC))
    con.executemany(
        "INSERT INTO genres (id, name, key) VALUES (?, ?, ?)", [(i + 1, g, g.lower()) for i, g in enumerate(GENRES)]
    )
    n_albums = con.execute("SELECT max(id) FROM albums").fetchone()[0]
    con.executemany(
        "INSERT INTO album_genres (album_id, genre_id) VALUES (?, ?)",
        [(a, a % len(GENRES) + 1) for a in range(1, n_albums + 1)],
    )
    total_users = listeners + (1 if heavy else 0)
    con.executemany(
        "INSERT INTO users (id, public_id, username, username_key, display_name, password_hash, role, is_active, created_at)"
        " VALUES (?, ?, ?, ?, ?, 'x', 'listener', 1, ?)",
        [(u, new_public_id(), f"l{u}", f"l{u}", f"Listener {u}", now) for u in range(1, total_users + 1)],
    )  # fmt: skip
    for name in INDEXES:
        con.execute(f"DROP INDEX {name}")
    rng = random.Random(4)
    cum = list(itertools.accumulate(1 / (r + 1) ** 1.05 for r in range(tracks)))
    insert = (
        "INSERT INTO plays (user_id, client_play_id, track_id, started_at, updated_at, ms_played, state, shuffle,"
        " source, is_listen) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    )
    written = 0
    for user in range(1, total_users + 1):
        count = heavy if heavy and user == total_users else plays
        con.executemany(insert, _plays(user, count, rng, cum, n_tracks=tracks, start=start, days=days))
        written += count
        if user % 100 == 0 or user == total_users:
            print(f"  {user} listeners, {written:,} plays ({time.time() - t0:.0f} s)", flush=True)
    for name, on in INDEXES.items():
        con.execute(f"CREATE INDEX {name} ON {on}")
    con.commit()
    con.execute("ANALYZE")
    con.close()
    print(f"generated in {time.time() - t0:.0f} s", flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--tracks", type=int, default=20_000)
    parser.add_argument("--listeners", type=int, default=1_000)
    parser.add_argument("--plays", type=int, default=5_000, help="plays per listener")
    parser.add_argument("--heavy", type=int, default=0, help="one more listener with this many plays")
    parser.add_argument("--start", default="2024-01-01")
    parser.add_argument("--days", type=int, default=366)
    args = parser.parse_args()
    args.db.parent.mkdir(parents=True, exist_ok=True)
    args.db.unlink(missing_ok=True)
    begin = datetime.fromisoformat(args.start).replace(tzinfo=UTC)
    generate(
        args.db,
        tracks=args.tracks,
        listeners=args.listeners,
        plays=args.plays,
        heavy=args.heavy,
        start=begin,
        days=args.days,
    )
