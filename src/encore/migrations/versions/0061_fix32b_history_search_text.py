"""the history's word search compares stored folded text: plays.search_text and tracks.title_folded

Revision ID: fix32b_1
Revises: fix31b_1

The history's word search lowered every play's artist and title and every catalogue title per search, so it did not
fold accents or case in full ("beyonce" never found "Beyoncé", nor "strasse" "Straße"), and folding them per row cost
~7x lower() over a long history (review31c M2). The folded text is now stored, as the catalogue folds names
(`catalog.fold`, the rule of `artists.name_key`): `plays.search_text` for a play that keeps its own text
(`history.search_text`: artist and title, folded, with a unit separator between), written with the row;
`tracks.title_folded`, kept with every change of a title (`catalog.Track`). The search compares them and
`artists.name_key` with a plain LIKE.

The upgrade adds both columns (in place: nullable, no default) and fills them from the rows, BATCH rows a
statement in primary-key order, so a history of any length is read and written a batch at a time; player plays
(no text of their own) stay None. On PostgreSQL each batch is one UPDATE from arrays. Measured on the shared 2-core
machine at load 9-14 (docs/benchmarks.md, fix32b): SQLite ~8 us of CPU a row (~20 us wall), so ~8 s of CPU a
million text listens; PostgreSQL ~75 us of wall a row (it writes each row again, with its index entries), so about
75 s a million. The downgrade drops the columns.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.engine import Connection

from encore.catalog import fold
from encore.history import search_text

revision: str = "fix32b_1"
down_revision: str | None = "fix31b_1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 5_000

_PLAYS = sa.text(
    "SELECT id, artist_name, track_name FROM plays WHERE id > :after"
    " AND (artist_name IS NOT NULL OR track_name IS NOT NULL) ORDER BY id LIMIT :n"
)
_TRACKS = sa.text("SELECT id, title FROM tracks WHERE id > :after ORDER BY id LIMIT :n")


def _write(bind: Connection, table: str, column: str, rows: list[tuple[int, str | None]]) -> None:
    if bind.dialect.name == "postgresql":  # one statement a batch: an executemany runs one UPDATE per row there
        bind.execute(
            sa.text(
                f"UPDATE {table} SET {column} = v.folded"
                " FROM unnest(CAST(:ids AS bigint[]), CAST(:texts AS text[])) AS v(id, folded)"
                f" WHERE {table}.id = v.id"
            ),
            {"ids": [i for i, _ in rows], "texts": [t for _, t in rows]},
        )
    else:
        stmt = sa.text(f"UPDATE {table} SET {column} = :folded WHERE id = :id")
        bind.execute(stmt, [{"id": i, "folded": t} for i, t in rows])


def fill(bind: Connection, *, batch: int = BATCH) -> tuple[int, int]:
    """Fill both columns from the rows, `batch` rows a statement; (tracks, plays) filled."""
    tracks = after = 0
    while rows := bind.execute(_TRACKS, {"after": after, "n": batch}).all():
        _write(bind, "tracks", "title_folded", [(int(i), fold(title)) for i, title in rows])
        after, tracks = int(rows[-1][0]), tracks + len(rows)
    plays = after = 0
    while rows := bind.execute(_PLAYS, {"after": after, "n": batch}).all():
        _write(bind, "plays", "search_text", [(int(i), search_text(artist, title)) for i, artist, title in rows])
        after, plays = int(rows[-1][0]), plays + len(rows)
    return tracks, plays


def upgrade() -> None:
    op.add_column("tracks", sa.Column("title_folded", sa.Text(), nullable=True))
    op.add_column("plays", sa.Column("search_text", sa.Text(), nullable=True))
    fill(op.get_bind())


def downgrade() -> None:
    for table, column in (("plays", "search_text"), ("tracks", "title_folded")):
        if op.get_bind().dialect.name == "sqlite":
            op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")  # in place, as 0050's downgrade
        else:
            op.drop_column(table, column)
