"""An import's rows: built once while its file is checked, then written hidden, a block per short transaction.

`import_row` turns a listen read from a file into plain values (what a spool file holds: no datetimes,
no dicts), with the same client play id, text key and stored forms as `submit_listens` gives the same
listen, so a file imported before this module existed is still recognised row for row. `write_import_rows`
inserts a block of them, tagged with an unpublished import, and does little else in its write transaction:
the ids, the times and the JSON were made in the check pass, the catalogue is read before the write lock
is taken, and the months are marked once, at the publish (`mark_span` over the file's span).

The per-track listen counters have no insert trigger on SQLite any more (migration import8_1): hidden rows
count nothing, and the publish counts the import's listens in one statement, as before.
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, NamedTuple

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from encore.history._insert import Batch, insert_counted
from encore.history._listens import (
    PRECHECK_AT,
    PRECHECK_SAMPLE,
    _any_kept,
    play_id,
)
from encore.history._match import catalogue_matches, match_key, text_key
from encore.history._models import Play
from encore.history._search_text import search_text
from encore.history._spotify_pairs import without_spotify_copies
from encore.history._stamps import utc_text


class ImportListen(NamedTuple):
    """One listen read from an imported file. A tuple, not a dataclass: one is built per entry of a file of
    up to millions, and a frozen dataclass cost ~3x as much to build."""

    listened_at: datetime
    artist_name: str
    track_name: str
    release_name: str | None = None
    isrc: str | None = None
    extra: str | None = None  # the submitter's additional_info as JSON text (history.info_json)
    ms_played: int | None = None
    # the play's own id where the file came from (a player's play in an Encore export), kept so that the
    # same play imported again, or restored onto the account that still holds it, is one play; None: the
    # id is made from the listen's second and text (play_id), as for every other imported listen
    play_id: str | None = None


# client play id, started_at (naive UTC text "YYYY-MM-DD HH:MM:SS.ffffff", as SQLite stores it), ms_played,
# artist, title, release, ISRC, text key, additional_info as JSON text (an imported listen has no duration)
ImportRow = tuple[str, str, int, str, str, str | None, str | None, str, str | None]

IMPORT_CACHE_KIB = 64 << 10  # SQLite page cache of an import's connection (see import_sessions)
IMPORT_CHECKPOINT_PAGES = 10_000  # ~40 MB of WAL between checkpoints during an import's write pass


def import_row(listen: ImportListen) -> ImportRow:
    """The listen as an import writes it: the values `submit_listens` stores for the same ListenIn, in
    plain types (a test holds the two equal)."""
    at, artist, track, release, isrc, extra, ms, given = listen
    key = text_key(artist, track)
    return (
        given or play_id(at, key),
        utc_text(at),
        ms or 0,
        artist[:512],
        track[:512],
        (release or "")[:512] or None,
        (isrc or "").upper()[:12] or None,
        key,
        extra,
    )


def write_import_rows(
    session: Session, *, user_id: int, import_id: int, rows: Sequence[ImportRow], now: datetime
) -> int:
    """Insert these rows of an unpublished import (hidden until it publishes); returns how many were new.
    Rows already kept (a resumed import, the same file again) are skipped, as `submit_listens` skips them."""
    ready = prepare_import_rows(session, user_id=user_id, import_id=import_id, rows=rows, now=now)
    return insert_import_rows(session, import_id=import_id, rows=ready)


# a `plays` row in the driver's form, in `history._insert.COLUMNS` order
PlayRow = tuple[Any, ...]


def prepare_import_rows(
    session: Session, *, user_id: int, import_id: int, rows: Sequence[ImportRow], now: datetime
) -> Batch:
    """The first half of `write_import_rows`, which only reads (and takes no write lock on SQLite): the
    rows not kept yet, matched to the catalogue, in the driver's form (one Batch: the listener, the time,
    the source and the import are bound once per statement, history/_insert.py)."""
    if len(rows) >= PRECHECK_AT and _any_kept(session, user_id, [r[0] for r in rows[:PRECHECK_SAMPLE]]):
        rows = _unseen(session, user_id, rows)  # a file imported again is all duplicates: skip the work
    rows = without_spotify_copies(session, user_id=user_id, import_id=import_id, rows=rows)
    if not rows:
        return Batch((), [])
    known = catalogue_matches(session, artists={r[3] for r in rows}, isrcs={r[6] for r in rows if r[6]})
    matched: dict[str, int] = {}  # text key or "isrc:..." -> track id, of every track of these artists
    for found in known.values():
        matched.update(found)
    sqlite = session.connection().dialect.name == "sqlite"
    stamp: Any = utc_text(now) if sqlite else now
    own: list[Any] = []
    for pid, started, ms, artist, track, release, isrc, key, extra in rows:
        track_id = ((matched.get("isrc:" + isrc) if isrc else None) or matched.get(key)) if matched else None
        at: Any = started if sqlite else datetime.fromisoformat(started).replace(tzinfo=UTC)
        own += (pid, track_id, at, ms, artist, track, release, isrc, None if track_id is not None else match_key(key),
                None, extra, search_text(artist, track))  # fmt: skip
    return Batch((user_id, stamp, "ended", False, "import", True, import_id), own)


def insert_import_rows(session: Session, *, import_id: int, rows: Batch) -> int:
    """The second half, the write: on SQLite the write lock is held from here to the commit. Rows of an
    unpublished import count nothing (the publish counts them); those of one a second run of the same file
    finds published count as they are written (history/_counter.py)."""
    if not rows:
        return 0
    return insert_counted(session.connection(), rows)


@contextmanager
def import_sessions(sessions: sessionmaker[Session]) -> Iterator[sessionmaker[Session]]:
    """Sessions for an import's write pass, all on one connection held for the pass, so that on SQLite it
    can be tuned for a long run of inserts and given back to the pool as it was:
    - a page cache of IMPORT_CACHE_KIB: before migration import13_1 each new row landed on a random leaf of
      two hash-keyed indexes (client play id, match key), which the pool's usual 2 MiB evicted and re-read
      within a chunk and between chunks; a listener's ids now sort by time and the match-key index is gone,
      so this matters less, but a file not in time order still lands at random;
    - a checkpoint every IMPORT_CHECKPOINT_PAGES of WAL instead of every 1,000: each chunk's commit rewrites
      many index pages, and checkpointing each version of them back into the database cost ~20% of the
      write pass (the commit runs it, after the write lock is released); one checkpoint ends the pass."""
    with sessions() as probe:
        engine = probe.get_bind()
    if not isinstance(engine, Engine):  # sessions bound to one connection already: nothing to hold
        yield sessions
        return
    with engine.connect() as conn:
        raw = conn.connection.driver_connection if conn.dialect.name == "sqlite" else None
        before = (
            (raw.execute("PRAGMA cache_size").fetchone()[0], raw.execute("PRAGMA wal_autocheckpoint").fetchone()[0])
            if raw is not None
            else None
        )
        if raw is not None:
            raw.execute(f"PRAGMA cache_size=-{int(IMPORT_CACHE_KIB)}")
            raw.execute(f"PRAGMA wal_autocheckpoint={int(IMPORT_CHECKPOINT_PAGES)}")
        conn.commit()  # no transaction left open: each session begins and commits its own
        try:
            yield sessionmaker(bind=conn, expire_on_commit=False)
        finally:
            if raw is not None and before is not None:
                conn.rollback()
                raw.execute(f"PRAGMA cache_size={int(before[0])}")
                raw.execute(f"PRAGMA wal_autocheckpoint={int(before[1])}")
                raw.execute("PRAGMA wal_checkpoint(PASSIVE)")


def _unseen(session: Session, user_id: int, rows: Sequence[ImportRow]) -> list[ImportRow]:
    ids, seen = [r[0] for r in rows], set[str]()
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        seen.update(
            session.scalars(select(Play.client_play_id).where(Play.user_id == user_id, Play.client_play_id.in_(chunk)))
        )
    return [r for r in rows if r[0] not in seen]
