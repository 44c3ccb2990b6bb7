"""SQLite's own cost of storing a listen, by `plays` layout (issue #17): what the schema of migration import8_1
was chosen from.

    python -m bench.history.plays_insert [--before 50000] [--rounds 2]

A table shaped like `plays` (its columns, foreign keys and four secondary indexes) with `--before` rows in it,
then 50 statements of 1,000 new unmatched listens, as a ListenBrainz import writes them (the driver's executemany
of `INSERT ... ON CONFLICT DO NOTHING`, WAL, synchronous=NORMAL, the 64 MiB cache the import path uses), each
committed. CPU per listen (time.process_time) of the insert and of the commit, for:
- "40 hex + trigger": the layout before import8_1 (40-digit client play id and match key, the listen counter's
  AFTER INSERT trigger);
- "40 hex": the same without the trigger (its mere presence costs SQLite a sub-program run per row);
- "16 hex": 16-digit keys as well (what import8_1 stores);
- "int64 keys": the two keys as 8-byte integer columns instead (not taken this time: SQLite changes a column's
  type only by copying `plays`, and every reader of the client play id, a player's own ids included, would
  change with it; it measured ~4 us a listen less again, mostly in the commit).
"""

import argparse
import hashlib
import sqlite3
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

_TABLES = """
CREATE TABLE users (id INTEGER PRIMARY KEY); CREATE TABLE tracks (id INTEGER PRIMARY KEY);
CREATE TABLE history_imports (id INTEGER PRIMARY KEY, published BOOLEAN);
CREATE TABLE track_listens (track_id INTEGER PRIMARY KEY REFERENCES tracks (id), listens INTEGER NOT NULL);
CREATE TABLE plays (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
 client_play_id {key} NOT NULL, track_id INTEGER REFERENCES tracks (id) ON DELETE SET NULL,
 started_at DATETIME NOT NULL, updated_at DATETIME NOT NULL, ms_played INTEGER NOT NULL, state VARCHAR(10) NOT NULL,
 context_type VARCHAR(16), context_id VARCHAR(64), device VARCHAR(100), shuffle BOOLEAN NOT NULL,
 source VARCHAR(16) NOT NULL, is_listen BOOLEAN NOT NULL, artist_name VARCHAR(512), track_name VARCHAR(512),
 release_name VARCHAR(512), isrc VARCHAR(12), match_key {key}, duration_ms INTEGER, extra TEXT, import_id INTEGER,
 UNIQUE (user_id, client_play_id));
CREATE INDEX ix_plays_track_started ON plays (track_id, started_at);
CREATE INDEX ix_plays_match_key ON plays (match_key);
CREATE INDEX ix_plays_wrapped ON plays (user_id, started_at, is_listen, track_id, ms_played);
CREATE INDEX ix_plays_user_track_started ON plays (user_id, track_id, started_at, ms_played);
INSERT INTO users VALUES (1);
"""
_TRIGGER = (
    "CREATE TRIGGER plays_listens_ai AFTER INSERT ON plays WHEN new.is_listen AND new.track_id IS NOT NULL AND "
    "(new.import_id IS NULL OR EXISTS (SELECT 1 FROM history_imports h WHERE h.id = new.import_id AND h.published)) "
    "BEGIN INSERT INTO track_listens (track_id, listens) VALUES (new.track_id, 1) "
    "ON CONFLICT (track_id) DO UPDATE SET listens = listens + 1; END"
)
_COLUMNS = (
    "user_id, client_play_id, track_id, started_at, updated_at, ms_played, state, shuffle, source, is_listen, "
    "artist_name, track_name, release_name, isrc, match_key, duration_ms, extra, import_id"
)
_INSERT = f"INSERT INTO plays ({_COLUMNS}) VALUES ({', '.join('?' * 18)}) ON CONFLICT DO NOTHING"  # noqa: S608
LAYOUTS = {"40 hex + trigger": (40, True), "40 hex": (40, False), "16 hex": (16, False), "int64 keys": (0, False)}


def _keys(i: int, digits: int) -> tuple[object, object]:
    key = hashlib.sha1(f"artist {i % 50}\x1fsong {i}".encode(), usedforsecurity=False).hexdigest()
    pid = hashlib.sha256(f"{i}\x1f{key}".encode()).hexdigest()
    if not digits:
        return int(pid[:16], 16) - (1 << 63), int(key[:16], 16) - (1 << 63)
    return "lb-" + pid[:digits], key[:digits]


def _rows(start: int, n: int, digits: int) -> list[tuple[object, ...]]:
    out = []
    for i in range(start, start + n):
        at = (datetime(2020, 1, 1) + timedelta(seconds=37 * i)).isoformat(" ", "microseconds")
        pid, key = _keys(i, digits)
        out.append((1, pid, None, at, at, 0, "ended", False, "listenbrainz", True, f"Artist {i % 50}", f"Song {i}",
                    None, None, key, None, None, None))  # fmt: skip
    return out


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode=WAL", "foreign_keys=ON", "synchronous=NORMAL", "cache_size=-65536", "mmap_size=0"):
        conn.execute(f"PRAGMA {pragma}")
    return conn


def measure(work: Path, *, digits: int, trigger: bool, before: int) -> tuple[float, float]:
    """CPU seconds per listen of (insert, commit)."""
    path = work / f"plays-{digits}-{trigger}.db"
    conn = _connect(path)
    conn.executescript(_TABLES.format(key="BIGINT" if not digits else "VARCHAR(64)") + (_TRIGGER if trigger else ""))
    for start in range(0, before, 50_000):
        conn.execute("BEGIN")
        conn.executemany(_INSERT, _rows(10**8 + start, min(50_000, before - start), digits))
        conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    conn = _connect(path)
    insert = commit = 0.0
    for batch in range(50):
        rows = _rows(batch * 1000, 1000, digits)
        t0 = time.process_time()
        conn.execute("BEGIN")
        conn.executemany(_INSERT, rows)
        t1 = time.process_time()
        conn.execute("COMMIT")
        insert, commit = insert + t1 - t0, commit + time.process_time() - t1
    conn.close()
    path.unlink()
    return insert / 50_000, commit / 50_000


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--before", type=int, default=50_000, help="rows in plays before the measured inserts")
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.rounds):
            for name, (digits, trigger) in LAYOUTS.items():
                ins, com = measure(Path(tmp), digits=digits, trigger=trigger, before=args.before)
                print(f"{name:18} insert {1e6 * ins:5.1f} us  commit {1e6 * com:4.1f} us  "
                      f"all {1e6 * (ins + com):5.1f} us/listen  ({args.before:,} rows before)", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
