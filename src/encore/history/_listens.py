"""Listens reported by text (ListenBrainz submissions, imports): deduplicated, kept, matched to the catalogue.

A listen is a `plays` row with `is_listen` set. Its client play id is derived from the listener, the
instant and the folded artist and title, so the same listen submitted twice (or imported twice) is one row.
"""

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, func, insert, select
from sqlalchemy.orm import Session

from encore.history._match import catalogue_text, resolve_tracks, text_key
from encore.history._models import Play, PlayingNow


@dataclass(frozen=True)
class ListenIn:
    listened_at: datetime
    artist_name: str
    track_name: str
    release_name: str | None = None
    isrc: str | None = None
    duration_ms: int | None = None
    additional_info: dict[str, Any] = field(default_factory=dict)
    ms_played: int | None = None  # known for imported Spotify rows; scrobblers only say "listened"


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
    digest = hashlib.sha256(f"{int(listened_at.timestamp())}\x1f{text_key(artist_name, track_name)}".encode())
    return "lb-" + digest.hexdigest()[:40]


def submit_listens(session: Session, *, user_id: int, listens: Sequence[ListenIn], source: str, now: datetime) -> int:
    """Store new listens in one bulk insert; returns how many were new (duplicates are dropped, not errors)."""
    by_id: dict[str, ListenIn] = {}
    for listen in listens:
        by_id.setdefault(listen_play_id(listen.listened_at, listen.artist_name, listen.track_name), listen)
    if not by_id:
        return 0
    existing: set[str] = set()
    ids = list(by_id)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        existing.update(
            session.scalars(select(Play.client_play_id).where(Play.user_id == user_id, Play.client_play_id.in_(chunk)))
        )
    fresh = {pid: listen for pid, listen in by_id.items() if pid not in existing}
    if not fresh:
        return 0
    matched = resolve_tracks(session, [(lis.artist_name, lis.track_name, lis.isrc) for lis in fresh.values()])
    rows = []
    for pid, listen in fresh.items():
        track_id = matched.get("isrc:" + listen.isrc.upper()) if listen.isrc else None
        if track_id is None:
            track_id = matched.get(text_key(listen.artist_name, listen.track_name))
        rows.append(_row(user_id, pid, listen, track_id=track_id, source=source, now=now))
    session.execute(insert(cast(Table, Play.__table__)), rows)  # Core executemany: the ORM bulk path costs 3x here
    return len(rows)


def _row(
    user_id: int, pid: str, listen: ListenIn, *, track_id: int | None, source: str, now: datetime
) -> dict[str, Any]:
    return {
        "user_id": user_id,
        "client_play_id": pid,
        "track_id": track_id,
        "started_at": listen.listened_at,
        "updated_at": now,
        "ms_played": listen.ms_played or listen.duration_ms or 0,
        "state": "ended",
        "context_type": None,
        "context_id": None,
        "device": None,
        "shuffle": False,
        "source": source,
        "is_listen": True,
        "artist_name": listen.artist_name[:512],
        "track_name": listen.track_name[:512],
        "release_name": (listen.release_name or "")[:512] or None,
        "isrc": (listen.isrc or "").upper()[:12] or None,
        "match_key": None if track_id is not None else text_key(listen.artist_name, listen.track_name),
        "duration_ms": listen.duration_ms,
        "extra": json.dumps(listen.additional_info, ensure_ascii=False) if listen.additional_info else None,
    }


def user_listens(
    session: Session, *, user_id: int, min_ts: datetime | None, max_ts: datetime | None, count: int
) -> list[ListenView]:
    """Newest first. max_ts and min_ts are exclusive bounds, as in ListenBrainz."""
    query = select(Play).where(Play.user_id == user_id, Play.is_listen.is_(True))
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
    total = session.scalar(select(func.count()).where(Play.user_id == user_id, Play.is_listen.is_(True)))
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
    row = session.get(PlayingNow, user_id)
    text = json.dumps(payload, ensure_ascii=False)
    if row is None:
        session.add(PlayingNow(user_id=user_id, payload=text, expires_at=expires_at))
    else:
        row.payload, row.expires_at = text, expires_at
    session.flush()


def playing_now(session: Session, *, user_id: int, now: datetime) -> dict[str, Any] | None:
    row = session.get(PlayingNow, user_id)
    if row is None or row.expires_at <= now:
        return None
    value: dict[str, Any] = json.loads(row.payload)
    return value
