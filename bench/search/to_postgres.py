"""Copy a generated catalogue (`bench.search.generate`, SQLite) into a PostgreSQL database, index and all.

PYTHONPATH=src:. python -m bench.search.to_postgres --db var/bench-1m.db --url postgresql://postgres@127.0.0.1:PORT/db

The PostgreSQL database is migrated to head, then every table that has rows in the SQLite file is
emptied and filled with COPY, column by column as the models name them; sequences move past the ids
copied; then VACUUM ANALYZE. The search index is copied as built (same doc numbers, same blobs), so both
databases answer the same queries with the same pages, and `bench.search.run --url` measures the engine
on PostgreSQL against the same catalogue.
"""

import argparse
import sqlite3
import time
from pathlib import Path

import psycopg
from sqlalchemy import Integer, make_url

import encore.bootstrap  # noqa: F401 - every model registers its table
from encore.db import Base, create_db_engine, upgrade_to_head


def _psycopg_url(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


# Table and column names below come from the models' metadata, never from input (hence the S608 waivers).


def copy(db: Path, url: str) -> None:
    engine = create_db_engine(url)
    upgrade_to_head(engine)
    engine.dispose()
    source = sqlite3.connect(db)
    has_rows = [source.execute(f"SELECT 1 FROM {t.name} LIMIT 1").fetchone() for t in Base.metadata.sorted_tables]  # noqa: S608
    tables = [t for t, rows in zip(Base.metadata.sorted_tables, has_rows, strict=True) if rows]
    with psycopg.connect(_psycopg_url(url)) as pg:
        pg.execute("TRUNCATE " + ", ".join(t.name for t in tables) + " CASCADE")
        for table in tables:
            started = time.time()
            names = [c.name for c in table.columns]
            rows = source.execute(f"SELECT {', '.join(names)} FROM {table.name}")  # noqa: S608
            with pg.cursor().copy(f"COPY {table.name} ({', '.join(names)}) FROM STDIN") as out:
                count = 0
                for row in rows:
                    out.write_row(row)
                    count += 1
            for c in table.primary_key.columns:
                if isinstance(c.type, Integer) and c.autoincrement is not False and len(table.primary_key.columns) == 1:
                    seq = f"pg_get_serial_sequence('{table.name}', '{c.name}')"
                    top = f"(SELECT coalesce(max({c.name}), 0) + 1 FROM {table.name})"  # noqa: S608
                    pg.execute(f"SELECT setval({seq}, {top}, false) WHERE {seq} IS NOT NULL")
            print(f"  {table.name}: {count} rows in {time.time() - started:.0f} s", flush=True)
    with psycopg.connect(_psycopg_url(url), autocommit=True) as pg:
        pg.execute("VACUUM ANALYZE")
    source.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--url", required=True)
    args = parser.parse_args()
    copy(args.db, args.url)
