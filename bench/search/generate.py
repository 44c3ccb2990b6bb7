"""Generate a large synthetic catalogue straight into a migrated database (rows only, no audio).

Used by the search and API benchmarks: `python bench/search/generate.py --tracks 1000000 --db var/bench.db`.
"""

import argparse
import random
import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.search.words import SYLLABLES, WORDS
from encore.bootstrap import build
from encore.catalog import fold, identity_key, sort_name
from encore.config import Settings
from encore.db import create_db_engine, upgrade_to_head
from encore.kernel import new_public_id


def _word(rng: random.Random) -> str:
    if rng.random() < 0.6:
        return rng.choice(WORDS)
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))


def _title(rng: random.Random, lo: int = 1, hi: int = 4) -> str:
    return " ".join(_word(rng) for _ in range(rng.randint(lo, hi))).title()


def generate(db: Path, tracks: int, seed: int = 1) -> None:
    engine = create_db_engine(f"sqlite:///{db}")
    upgrade_to_head(engine)
    engine.dispose()
    rng = random.Random(seed)
    n_artists, n_albums = max(tracks // 20, 10), max(tracks // 10, 10)
    now = datetime.now(UTC).isoformat(sep=" ")
    con = sqlite3.connect(db)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=OFF")
    t0 = time.time()
    artists = []
    seen: set[str] = set()
    while len(artists) < n_artists:
        name = _title(rng, 1, 3)
        if identity_key(name) in seen:
            name = f"{name} {len(artists)}"
        seen.add(identity_key(name))
        artists.append(name)
    con.executemany(
        "INSERT INTO artists (id, public_id, name, name_key, sort_name, created_at) VALUES (?,?,?,?,?,?)",
        ((i + 1, new_public_id(), n, identity_key(n), sort_name(n), now) for i, n in enumerate(artists)),
    )
    albums = [(i + 1, _title(rng), rng.randrange(n_artists) + 1) for i in range(n_albums)]
    con.executemany(
        "INSERT INTO albums (id, public_id, title, album_key, album_type, release_date, created_at)"
        " VALUES (?,?,?,?,?,?,?)",
        (
            (i, new_public_id(), t, f"{a}\x1f{i}", "album", f"{rng.randint(1990, 2026)}-01-01", now)
            for i, t, a in albums
        ),
    )
    con.executemany(
        "INSERT INTO album_artists (album_id, artist_id, position, role) VALUES (?,?,0,'primary')",
        ((i, a) for i, _, a in albums),
    )
    con.executemany(
        "INSERT INTO search_docs (kind, entity_id, doc, name, context, dirty) VALUES ('artist', ?, ?, ?, '', 1)",
        ((i + 1, i, fold(n)) for i, n in enumerate(artists)),
    )
    con.executemany(
        "INSERT INTO search_docs (kind, entity_id, doc, name, context, dirty) VALUES ('album', ?, ?, ?, ?, 1)",
        ((i, i, fold(t), fold(artists[a - 1])) for i, t, a in albums),
    )
    con.commit()
    batch = []
    for tid in range(1, tracks + 1):
        album_id, album_title, artist_id = albums[rng.randrange(n_albums)]
        batch.append((tid, album_id, _title(rng), artist_id, album_title))
        if len(batch) == 50_000 or tid == tracks:
            _insert_tracks(con, batch, artists, now)
            batch = []
            print(f"  {tid} tracks ({time.time() - t0:.0f} s)", flush=True)
    con.commit()
    con.execute("ANALYZE")
    con.close()
    started = time.time()
    c = build(Settings(mode="dev", data_dir=db.parent / "bench-data", database_url=f"sqlite:///{db.resolve()}"))
    stats = c.rebuild_search()
    c.close()
    # Again after the rebuild: statistics taken while every doc was dirty make SQLite scan all of
    # search_docs for the dirty ones on every search (the partial index looked as big as the table).
    con = sqlite3.connect(db)
    con.execute("ANALYZE")
    con.close()
    print(
        f"  search index: {stats.docs} docs, {stats.terms} terms, {stats.prefixes} prefixes in {time.time() - started:.0f} s"
    )


def _insert_tracks(
    con: sqlite3.Connection, batch: list[tuple[int, int, str, int, str]], artists: list[str], now: str
) -> None:
    con.executemany(
        "INSERT INTO tracks (id, public_id, album_id, title, duration_ms, disc_number, track_number, explicit,"
        " gain_db, audio_hash, created_at, updated_at, title_folded) VALUES (?,?,?,?,200000,1,1,0,0,?,?,?,?)",
        ((t, new_public_id(), al, title, f"h{t}", now, now, fold(title)) for t, al, title, _, _ in batch),
    )
    con.executemany(
        "INSERT INTO track_artists (track_id, artist_id, position, role) VALUES (?,?,0,'primary')",
        ((t, ar) for t, _, _, ar, _ in batch),
    )
    con.executemany(
        "INSERT INTO search_docs (kind, entity_id, doc, name, context, dirty) VALUES ('track', ?, ?, ?, ?, 1)",
        ((t, t, fold(title), fold(f"{artists[ar - 1]} {al_title}")) for t, _, title, ar, al_title in batch),
    )
    # A third of the tracks have listeners, a few of them very many (what search ranks by).
    rng = random.Random(batch[0][0])
    con.executemany(
        "INSERT INTO track_listens (track_id, listens) VALUES (?, ?)",
        ((t, int(rng.paretovariate(1.1))) for t, *_ in batch if rng.random() < 0.33),
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--tracks", type=int, default=1_000_000)
    parser.add_argument("--db", type=Path, required=True)
    args = parser.parse_args()
    args.db.parent.mkdir(parents=True, exist_ok=True)
    args.db.unlink(missing_ok=True)
    generate(args.db, args.tracks)
