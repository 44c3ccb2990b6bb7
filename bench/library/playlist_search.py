"""The public playlist search over many public playlists: the name folded per row in SQL (session 31's statement,
`db.unaccented_fold(Playlist.name)`, review32a M2) against the stored fold (`Playlist.name_key`, fix32d), with the
lower() of the search before session 31 (`db.unicode_lower`) as the same run's reference.

`python -m bench.library.playlist_search --db var/bench-playlists.db [--playlists 50000] [--rounds 7]`
`python -m bench.library.playlist_search --url postgresql://... [--playlists 50000] [--rounds 7]`

Migrates a fresh database (the SQLite file is made anew; a PostgreSQL database is emptied and made anew) and fills
it with `--playlists` public playlists of one listener, by plain inserts, twice over: names of ASCII words, then
names each holding a Greek final sigma, which the SQL fold's slow branch (translate) takes. For each, the search's
two statements (the count and a page of 50) for one word that no name holds (every public row read once) and for
ten words that every name holds (each word asked of every row), each way, alternated round by round; the median of
`--rounds` in ms; then the upgrade that adds and fills `name_key`, timed over the last fill. The last way is the whole search call (`library.search_playlists`: its statements and the page's
views, the covers and counts of 50 playlists).
"""

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import SQLColumnExpression, func, insert, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from encore import library
from encore.accounts import User, create_user
from encore.db import (
    create_db_engine,
    folded_words,
    make_sessionmaker,
    transaction,
    unaccent,
    unaccented_fold,
    unicode_lower,
    upgrade_to_head,
)
from encore.library import Playlist

AT = datetime(2026, 12, 7, 9, tzinfo=UTC)
WORDS = ["night", "drive", "summer", "chill", "road", "trip", "morning", "coffee", "rain", "party", "focus", "run"]
GREEK = ["Νύχτες", "δρόμος", "καλοκαίρι", "ταξίδι", "πρωινός", "καφές", "βροχής", "χορός"]
TAIL = "vol one from our best loved songs play now ok"  # ten words, none inside another: every one is asked
QUERIES = {"one word none holds": "zzzz", "ten words all hold": TAIL}
PAGE = 50


def _fresh(args: argparse.Namespace) -> Engine:
    if args.url:
        engine = create_db_engine(args.url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    else:
        args.db.unlink(missing_ok=True)
        engine = create_db_engine(f"sqlite:///{args.db}")
    upgrade_to_head(engine)
    return engine


def _names(n: int, greek: bool) -> list[str]:
    words = GREEK if greek else WORDS
    return [f"{words[i % len(words)]} {words[(i // 7) % len(words)]} {i} {TAIL}" for i in range(n)]


def _fill(engine: Engine, owner: int, names: list[str]) -> None:
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM playlists"))
        batch = 5_000
        for start in range(0, len(names), batch):
            rows = [
                {
                    "owner_id": owner,
                    "name": name,
                    "name_key": unaccent(name),
                    "description": "",
                    "public": True,
                    "version": 1,
                    "created_at": AT,
                    "updated_at": AT,
                }
                for name in names[start : start + batch]
            ]
            conn.execute(insert(Playlist), rows)
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE playlists"))


def _statements(session: Session, query: str, name: SQLColumnExpression[str]) -> int:
    """The search's two statements, its count and a page, with `name` as the text its words are looked for in."""
    words = folded_words(query)
    active = Playlist.owner_id.in_(select(User.id).where(User.is_active))
    where = [Playlist.public.is_(True), active, *(name.contains(w, autoescape=True) for w in words)]
    total = session.scalar(select(func.count()).select_from(Playlist).where(*where)) or 0
    session.scalars(select(Playlist).where(*where).order_by(Playlist.id.desc()).limit(PAGE)).all()
    return total


def _ways() -> dict[str, Callable[[Session, str], int]]:
    return {
        "lower(name) per row (before session 31)": lambda s, q: _statements(s, q, unicode_lower(Playlist.name)),
        "fold(name) per row (session 31, main)": lambda s, q: _statements(s, q, unaccented_fold(Playlist.name)),
        "stored name_key (fix32d)": lambda s, q: _statements(s, q, Playlist.name_key),
        "search_playlists, views too (fix32d)": lambda s, q: (
            library.search_playlists(s, query=q, limit=PAGE, offset=0).total
        ),
    }


def _measure(engine: Engine, rounds: int) -> None:
    sessions = make_sessionmaker(engine)
    ways = _ways()
    for label, query in QUERIES.items():
        times: dict[str, list[float]] = {way: [] for way in ways}
        found: dict[str, int] = {}
        for _ in range(rounds):
            for way, search in ways.items():
                with sessions() as s:
                    t0 = time.perf_counter()
                    found[way] = search(s, query)
                    times[way].append((time.perf_counter() - t0) * 1000)
        assert len(set(found.values())) == 1, found  # every way finds the same playlists
        for way, ms in times.items():
            print(f"  {label:<20} {way:<40} {statistics.median(ms):8.1f} ms  (found {found[way]:,})")


def _backfill(engine: Engine) -> None:
    """The upgrade fix32d_1 over the playlists as they are: down a step (the column dropped), then up, timed."""
    from alembic import command
    from alembic.script import ScriptDirectory

    from encore.db import alembic_config

    cfg = alembic_config()
    before = ScriptDirectory.from_config(cfg).get_revision("fix32d_1").down_revision  # whatever it is once merged
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, str(before))
    t0 = time.perf_counter()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "fix32d_1")
    print(f"upgrade fix32d_1 (add name_key, fill it in batches): {time.perf_counter() - t0:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, default=Path("var/bench-playlists.db"))
    parser.add_argument("--url", help="a PostgreSQL URL instead of --db (its database is emptied)")
    parser.add_argument("--playlists", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    engine = _fresh(args)
    with transaction(make_sessionmaker(engine)) as s:
        owner = create_user(s, username="bench-lists", password="bench-lists-pass-1").id  # noqa: S106 - throwaway
    print(f"{engine.dialect.name}, {args.playlists:,} public playlists, median of {args.rounds} rounds")
    for greek in (False, True):
        t0 = time.perf_counter()
        _fill(engine, owner, _names(args.playlists, greek))
        print(
            f"names {'with a final sigma' if greek else 'of ASCII words'} (filled in {time.perf_counter() - t0:.1f} s)"
        )
        _measure(engine, args.rounds)
    _backfill(engine)
    engine.dispose()


if __name__ == "__main__":
    main()
