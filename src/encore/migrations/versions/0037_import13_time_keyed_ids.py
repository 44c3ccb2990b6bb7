"""import13 1: an import lands on adjacent leaves (issue #17): a text listen's client play id leads with its
second, and `plays` has no index on match_key

Revision ID: import13_1
Revises: verified12_1

A text listen's id was "lb-" and 16 hex digits of a digest: on the unique (user_id, client_play_id) index every
new listen landed on a random leaf, and on a `plays` of millions a 1,000-listen import's commit wrote about a
page of that index per listen. It is now "lb-", the listen's second (Unix time, 8 hex digits), then the same 16
digits (history.play_id), so a listener's listens sort by time in that index and an import, which arrives in
time order, fills a few adjacent leaves. Every stored text listen's id gets its second put in front; the digest
part, which is what tells two listens apart, does not change, so the same listen submitted or imported again is
still the same row. Rows a player or Subsonic made keep their ids (only "lb-" + 16 hex ids of rows with an
artist and a title, as import8_1 chose them).

The index on `match_key` is dropped: it was the other index every new unmatched listen landed on at random,
and with the id in time order it was most of what an import still wrote on a big `plays`. history.match_listens
walks the unmatched rows in time order instead (`ix_plays_track_started`, track_id NULL), reading each once as
its walk by match_key did.

On SQLite the statement rewrites one index entry per text listen: ~10 s of CPU per million text listens
(9.3-10.7 s; 29-36 s wall with the 2-core machine at load 8, on a 2M-listen `plays`; docs/benchmarks.md,
import13); PostgreSQL writes each such row again (not measured at that size).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "import13_1"
down_revision: str | None = "verified12_1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SQLITE_CACHE_KIB = 256 << 10  # the rewrite touches every leaf of the unique index: given back below
_TEXT = "artist_name IS NOT NULL AND track_name IS NOT NULL AND "
_OLD_ID = {  # history.play_id before this migration: "lb-" and 16 hex digits
    "sqlite": "client_play_id GLOB 'lb-" + "[0-9a-f]" * 16 + "'",
    "postgresql": "client_play_id ~ '^lb-[0-9a-f]{16}$'",
}
_NEW_ID = {  # ... and after it: "lb-", 8 hex digits of the second, the same 16
    "sqlite": "client_play_id GLOB 'lb-" + "[0-9a-f]" * 24 + "'",
    "postgresql": "client_play_id ~ '^lb-[0-9a-f]{24}$'",
}
# the listen's second as history.play_id writes it: int(listened_at.timestamp()) in 8 hex digits. started_at is
# that instant (microseconds kept), and listens are never before 2002, so the floor is the truncation.
_SECOND_HEX = {
    "sqlite": "printf('%08x', CAST(strftime('%s', started_at) AS INTEGER))",
    "postgresql": "lpad(to_hex(floor(extract(epoch FROM started_at))::bigint), 8, '0')",
}


def _rewrite(where: str, new_id: str) -> None:
    bind = op.get_bind()
    cache = None
    if bind.dialect.name == "sqlite":
        cache = bind.exec_driver_sql("PRAGMA cache_size").scalar()
        op.execute(f"PRAGMA cache_size=-{_SQLITE_CACHE_KIB}")
    op.execute(f"UPDATE plays SET client_play_id = {new_id} WHERE {_TEXT}{where}")
    if bind.dialect.name == "sqlite":
        op.execute(f"PRAGMA cache_size={int(cache or -2048)}")


def upgrade() -> None:
    name = op.get_bind().dialect.name
    op.drop_index("ix_plays_match_key", table_name="plays")
    # A player could name its play "lb-" and 24 hex digits, the very id one of its listens gets below: the
    # rewrite would then break the unique key and stop the upgrade for every listener. Such an id is no text
    # listen's yet (theirs have 16 digits), so it moves to "lb." (a dot no client id may hold; history now
    # refuses client ids beginning "lb-", which Encore keeps for the listens it names).
    op.execute(f"UPDATE plays SET client_play_id = 'lb.' || substr(client_play_id, 4) WHERE {_NEW_ID[name]}")
    _rewrite(_OLD_ID[name], f"'lb-' || {_SECOND_HEX[name]} || substr(client_play_id, 4)")


def downgrade() -> None:
    name = op.get_bind().dialect.name
    _rewrite(_NEW_ID[name], "'lb-' || substr(client_play_id, 12)")
    op.create_index("ix_plays_match_key", "plays", ["match_key"])
