"""Listens reported by text (ListenBrainz submissions, imports): deduplicated, kept, matched to the catalogue.

A listen is a `plays` row with `is_listen` set. Its client play id is derived from the listener, the
instant and the folded artist and title, so the same listen submitted twice (or imported twice) is one row.
"""

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import bindparam, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from encore.db import RawStatement
from encore.history._imports import visible
from encore.history._insert import Batch, full_row, insert_counted
from encore.history._match import catalogue_matches, catalogue_text, match_key, text_key
from encore.history._models import Play, PlayingNow
from encore.history._rollups import mark, mark_plays, month_of
from encore.history._search_text import search_text
from encore.history._stamps import second_text, utc_text

PRECHECK_AT = 50  # listens in one submission from which already-kept ones are looked up before the insert
PRECHECK_SAMPLE = 50  # ... if any of its first listens is kept already (one small read; a new import's are not)
ROOMY_AT, ROOMY_CACHE_KIB = 500, 64 << 10  # SQLite: a batch this large inserts with this much page cache


MAX_LISTEN_MS = 24 * 3_600_000  # a duration longer than a day is no track's


def listen_duration_ms(info: dict[str, Any]) -> int | None:
    """The duration a ListenBrainz listen says in its `additional_info` (`duration_ms`, else `duration` in
    seconds), or None: the one reading of it, for listens submitted and listens imported (probe20 F3: an
    import ignored it, and Wrapped counted its listens as 0 minutes)."""
    ms, seconds = info.get("duration_ms"), info.get("duration")
    if isinstance(ms, int) and not isinstance(ms, bool) and 0 < ms <= MAX_LISTEN_MS:
        return ms
    if isinstance(seconds, int) and not isinstance(seconds, bool) and 0 < seconds * 1000 <= MAX_LISTEN_MS:
        return seconds * 1000
    return None


@dataclass(slots=True)  # not frozen: a frozen dataclass cost ~1.4 us to build against ~0.5, and an import
class ListenIn:  # submission builds a thousand (issue #17); nothing changes one after it is made
    listened_at: datetime
    artist_name: str
    track_name: str
    release_name: str | None = None
    isrc: str | None = None
    duration_ms: int | None = None
    additional_info: dict[str, Any] = field(default_factory=dict)
    ms_played: int | None = None  # known for imported Spotify rows; scrobblers only say "listened"
    second: int | None = None  # int(listened_at.timestamp()), given by a maker that had it (the ListenBrainz parse)


@dataclass(frozen=True)
class ListenView:
    listened_at: datetime
    inserted_at: datetime
    artist_name: str
    track_name: str
    release_name: str | None
    additional_info: dict[str, Any]
    recording_msid: str
    track_public_id: str | None


def listen_play_id(listened_at: datetime, artist_name: str, track_name: str) -> str:
    """The deterministic client play id of a text listen: same second, same artist and title = same listen."""
    return play_id(listened_at, text_key(artist_name, track_name))


def play_id(listened_at: datetime, key: str) -> str:
    """`listen_play_id` from the listen's text key, for a caller that has the key already.

    "lb-", the listen's second as 8 hex digits, then 16 hex digits (64 bits) of a digest of the second and the
    text. The second leads (migration import13_1) so that the (listener, client play id) key, the index
    every new listen lands on, keeps a listener's listens in time order: an import, which arrives in time
    order, lands on a few adjacent leaves, where a hash-led key put each listen on a random leaf of the index
    and a commit on a `plays` of millions wrote ~1 page of it per listen (issue #17). The digest part is the
    whole id as it was before (migration import8_1 cut it to 16 digits), so a stored listen keeps its
    identity. Two listens of one listener in the same second would have to share 64 bits to be taken for one."""
    return second_play_id(int(listened_at.timestamp()), key)


def second_play_id(ts: int, key: str) -> str:
    """`play_id` from the listen's Unix second."""
    digest = hashlib.sha256(f"{ts}\x1f{key}".encode()).hexdigest()
    return f"lb-{ts:08x}{digest[:PLAY_ID_HEX]}"


PLAY_ID_HEX = 16


def submit_listens(
    session: Session,
    *,
    user_id: int,
    listens: Sequence[ListenIn],
    source: str,
    now: datetime,
    import_id: int | None = None,
) -> int:
    """Store new listens in one statement; returns how many were new (duplicates are dropped, not errors).

    One `INSERT ... ON CONFLICT DO NOTHING` on (user, client play id) does the deduplication the
    unique constraint already guarantees, so a `single` submission is one statement (issue #17: it was
    four), plus a catalogue lookup only on a resolver miss; from PRECHECK_AT listens on, the kept ones
    are looked up first, so a history imported twice costs one index read per 500 listens. With
    `import_id`, the rows stay invisible until that import publishes (history.publish_import).
    """
    by_id: dict[str, Keyed] = {}
    for listen in listens:
        key = text_key(listen.artist_name, listen.track_name)  # made once: the play id and the match share it
        ts = listen.second  # ... and the second: the id and the stored time
        if ts is None:
            ts = int(listen.listened_at.timestamp())
        pid = second_play_id(ts, key)
        if pid not in by_id:
            by_id[pid] = (user_id, pid, key, ts, listen, source, now, import_id)
    if len(by_id) >= PRECHECK_AT and _any_kept(session, user_id, list(by_id)[:PRECHECK_SAMPLE]):
        seen = _kept(session, user_id, list(by_id))  # a file imported again is all duplicates: skip the work
        return store_listens(session, [keyed for pid, keyed in by_id.items() if pid not in seen], alike=True)
    return store_listens(session, list(by_id.values()), alike=True)


# a listen ready to store: listener, client play id, text key, its Unix second (`int(listened_at.timestamp())`),
# the listen, source, time it was received, import
Keyed = tuple[int, str, str, int, ListenIn, str, datetime, int | None]


def store_listens(session: Session, keyed: Sequence[Keyed], *, alike: bool = False) -> int:
    """Insert listens already told apart by (listener, play id) in one statement, matched to the catalogue,
    their months marked for Wrapped; returns how many were new. The one place a `ListenIn` becomes a row.
    `alike`: every listen has the same listener, source, received time and import (one submission's), so
    the insert binds those once per statement (history/_insert.py's Batch).

    Per listen this does only tuple work (issue #17, the import submission's CPU): the text key comes with
    it, the catalogue answers per artist (`catalogue_matches`, from the process's cache) and the months are
    read off the listen's time, not through a set of (listener, datetime) pairs."""
    if not keyed:
        return 0
    matched: dict[str, int] = {}  # text key or "isrc:..." -> track id, of every track of these artists
    isrcs = {k[4].isrc for k in keyed if k[4].isrc}
    for found in catalogue_matches(session, artists={k[4].artist_name for k in keyed}, isrcs=isrcs).values():
        matched.update(found)
    sqlite = session.connection().dialect.name == "sqlite"
    rows: list[tuple[Any, ...]] = []
    own: list[Any] = []  # alike: every row's own values, one after the other (Batch.own)
    months: set[tuple[int, int]] = set()
    received: datetime | None = None
    updated: Any = None
    for user_id, pid, key, ts, listen, source, now, import_id in keyed:
        if now is not received:
            received, updated = now, utc_text(now) if sqlite else now
        at, isrc, info = listen.listened_at, listen.isrc, listen.additional_info
        started: Any  # the driver's form of UTCDateTime: text on SQLite, the datetime on PostgreSQL
        if at.microsecond or at.tzinfo is None:  # a whole second (every ListenBrainz listen): from `ts`
            started, month = utc_text(at), month_of(at)
        else:
            started, month = second_text(ts)
        if not sqlite:
            started = at
        track_id = ((matched.get("isrc:" + isrc.upper()) if isrc else None) or matched.get(key)) if matched else None
        artist, title = listen.artist_name[:512], listen.track_name[:512]
        # history/_insert.py's OWN order
        values = (pid, track_id, started, listen.ms_played or listen.duration_ms or 0, artist, title,
                  (listen.release_name or "")[:512] or None, (isrc or "").upper()[:12] or None,
                  None if track_id is not None else match_key(key), listen.duration_ms,
                  info_json(info) if info else None, search_text(artist, title))  # fmt: skip
        if alike:
            own += values
        else:
            rows.append(full_row((user_id, updated, "ended", False, source, True, import_id), values))
        months.add((user_id, month))
    mark(session, months)  # Wrapped refolds these months
    if alike:
        user_id, _, _, _, _, source, _, import_id = keyed[0]
        return _execute(session, Batch((user_id, updated, "ended", False, source, True, import_id), own))
    return _execute(session, rows)


# On the DB-API cursor (db.RawStatement): through the ORM's execute, building and binding this 50-value IN
# cost ~1 ms, about a microsecond per listen of an import submission (issue #17)
_ANY_KEPT = RawStatement(
    select(Play.client_play_id)
    .where(Play.user_id == bindparam("user_id"), Play.client_play_id.in_(bindparam("ids", expanding=True)))
    .limit(1),
    expanding="ids",
)


def _any_kept(session: Session, user_id: int, ids: list[str]) -> bool:
    """Whether any of these (1 to 200) client play ids of this listener is kept already."""
    return bool(_ANY_KEPT.rows(session.connection(), {"user_id": user_id, "ids": ids}))


def _kept(session: Session, user_id: int, ids: list[str]) -> set[str]:
    seen = set[str]()
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        seen.update(
            session.scalars(select(Play.client_play_id).where(Play.user_id == user_id, Play.client_play_id.in_(chunk)))
        )
    return seen


def insert_new_plays(session: Session, rows: Sequence[tuple[Any, ...]]) -> int:
    """Insert plays (tuples in `history._insert.COLUMNS` order), skipping those already kept (same user and client play
    id); returns how many were new.

    One `INSERT ... ON CONFLICT DO NOTHING` handed to the driver's executemany: SQLAlchemy's per-row
    parameter processing cost more than SQLite's own work on a 1,000-listen import (issue #17)."""
    if not rows:
        return 0
    mark_plays(session, {(r[0], r[3]) for r in rows})  # Wrapped's rollups refold these months
    if session.connection().dialect.name == "sqlite":  # the text UTCDateTime stores there (naive UTC, microseconds)
        rows = [(*r[:3], utc_text(r[3]), utc_text(r[4]), *r[5:]) for r in rows]
    return _execute(session, rows)


def _execute(session: Session, rows: Sequence[tuple[Any, ...]] | Batch) -> int:
    """The insert, rows already in the driver's form; how many were new.

    On SQLite a large batch runs with a larger page cache (ROOMY_CACHE_KIB, given back right after): each
    new row lands on a random leaf of the two hash-keyed indexes (client play id, match key), and with the
    connection's usual 2 MiB a 2,000-row batch on a big `plays` evicted and re-read those pages, and spilled
    dirty ones to the WAL before the commit wrote them again."""
    if not rows:
        return 0
    conn = session.connection()
    raw = conn.connection.driver_connection
    if conn.dialect.name != "sqlite" or len(rows) < ROOMY_AT or raw is None:
        return insert_counted(conn, rows)
    before = int(raw.execute("PRAGMA cache_size").fetchone()[0])
    raw.execute(f"PRAGMA cache_size=-{int(ROOMY_CACHE_KIB)}")
    try:
        return insert_counted(conn, rows)
    finally:  # dirty pages stay until the commit writes them; the clean ones beyond the usual size go now
        raw.execute(f"PRAGMA cache_size={before}")


# json.dumps with any option builds a new encoder per call: a tenth of an import's time (#17)
_to_json = json.JSONEncoder(ensure_ascii=False).encode


def info_json(info: dict[str, Any]) -> str:
    """additional_info as JSON text: orjson (C, ~5x json's encoder per listen), json for what it refuses
    (integers past 64 bits)."""
    try:
        return orjson.dumps(info).decode()
    except TypeError:
        return _to_json(info)


def user_listens(
    session: Session, *, user_id: int, min_ts: datetime | None, max_ts: datetime | None, count: int
) -> list[ListenView]:
    """Newest first. max_ts and min_ts are exclusive bounds, as in ListenBrainz."""
    query = select(Play).where(Play.user_id == user_id, Play.is_listen.is_(True), visible())
    if max_ts is not None:
        query = query.where(Play.started_at < max_ts)
    if min_ts is not None:
        query = query.where(Play.started_at > min_ts)
    if min_ts is not None and max_ts is None:
        # the listens just after min_ts, still returned newest first
        rows = list(session.scalars(query.order_by(Play.started_at.asc(), Play.id.asc()).limit(count)))
        rows.reverse()
    else:
        rows = list(session.scalars(query.order_by(Play.started_at.desc(), Play.id.desc()).limit(count)))
    return _views(session, rows)


def listen_count(session: Session, *, user_id: int) -> int:
    total = session.scalar(select(func.count()).where(Play.user_id == user_id, Play.is_listen.is_(True), visible()))
    return int(total or 0)


def _views(session: Session, rows: list[Play]) -> list[ListenView]:
    texts = catalogue_text(session, {p.track_id for p in rows if p.track_id is not None})
    views = []
    for p in rows:
        known = texts.get(p.track_id) if p.track_id is not None else None
        views.append(
            ListenView(
                listened_at=p.started_at,
                inserted_at=p.updated_at,
                artist_name=p.artist_name or (known.artist if known else ""),
                track_name=p.track_name or (known.title if known else ""),
                release_name=p.release_name or (known.album if known else None),
                additional_info=json.loads(p.extra) if p.extra else {},
                recording_msid=p.client_play_id,
                track_public_id=known.public_id if known else None,
            )
        )
    return views


def set_playing_now(session: Session, *, user_id: int, payload: dict[str, Any], expires_at: datetime) -> None:
    """Insert or replace, in one statement: two sent at once each found no row and inserted one (a 500)."""
    conn = session.connection()
    upsert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    text = json.dumps(payload, ensure_ascii=False)
    statement = upsert(PlayingNow).values(user_id=user_id, payload=text, expires_at=expires_at)
    conn.execute(
        statement.on_conflict_do_update(
            index_elements=["user_id"],
            set_={"payload": statement.excluded.payload, "expires_at": statement.excluded.expires_at},
        )
    )


def playing_now(session: Session, *, user_id: int, now: datetime) -> dict[str, Any] | None:
    row = session.get(PlayingNow, user_id)
    if row is None or row.expires_at <= now:
        return None
    value: dict[str, Any] = json.loads(row.payload)
    return value
