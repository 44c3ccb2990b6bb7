"""A history import's rows stay invisible until the import publishes, in one short step.

An import writes its plays in short chunk transactions, each row tagged with the import's id; readers
see a tagged play only once its import is published (`visible`). Publishing flips one flag on one row,
so however large the file, the commit point holds SQLite's write lock for a moment, and an import killed
mid-way leaves nothing visible. An unpublished import is found again by the listener and the file's
digest: running the same file again resumes it (its rows already written are kept, the rest are added).
"""

from datetime import datetime

from sqlalchemy import Boolean, ColumnElement, ForeignKey, Index, Integer, String, delete, or_, select, text, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from encore.db import Base, UTCDateTime
from encore.history._models import Play


class HistoryImport(Base):
    __tablename__ = "history_imports"
    __table_args__ = (Index("ix_history_imports_user_digest", "user_id", "digest"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    digest: Mapped[str] = mapped_column(String(64))  # sha256 of the file, hex
    published: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


def visible() -> ColumnElement[bool]:
    """Plays a reader may see: not imported, or imported by a published import. The imports table is
    small (one row per file a listener imported), so the subquery costs next to nothing."""
    published = select(HistoryImport.id).where(HistoryImport.published.is_(True))
    return or_(Play.import_id.is_(None), Play.import_id.in_(published.scalar_subquery()))


def open_import(session: Session, *, user_id: int, digest: str, now: datetime) -> int:
    """This listener's unpublished import of this file (one that died mid-way), or a new one: its id."""
    found = session.scalar(
        select(HistoryImport.id)
        .where(HistoryImport.user_id == user_id, HistoryImport.digest == digest, HistoryImport.published.is_(False))
        .order_by(HistoryImport.id)
        .limit(1)
    )
    if found is not None:
        return found
    row = HistoryImport(user_id=user_id, digest=digest, published=False, created_at=now)
    session.add(row)
    session.flush()
    return row.id


def import_has_rows(session: Session, *, user_id: int, import_id: int) -> bool:
    """Whether any play is tagged with this import (read from the listener's plays: no index on import_id)."""
    found = session.scalar(select(Play.id).where(Play.user_id == user_id, Play.import_id == import_id).limit(1))
    return found is not None


# The per-track listen counters (track_listens, kept by triggers on `plays`) count visible plays only
# (migration story_4): an import's listens join them here, at the moment they become visible.
# `user_id` first: `plays` has no index on import_id, and without it this read scanned every listener's plays
# (millions of rows on a service) inside the publish's write transaction; now it reads this listener's
# catalogue listens from ix_plays_user_track_started.
_COUNT_PUBLISHED = text(
    "INSERT INTO track_listens (track_id, listens) "
    "SELECT track_id, count(*) FROM plays WHERE user_id = :user_id AND track_id IS NOT NULL "
    "AND import_id = :import_id AND is_listen "
    "GROUP BY track_id "
    "ON CONFLICT (track_id) DO UPDATE SET listens = track_listens.listens + excluded.listens"
)


# Advisory locks (PostgreSQL) around the counters' two sides: the triggers count a row as its writer's
# statement sees its import, the publish counts the import's rows as its own statement sees them. Under READ
# COMMITTED a match linking a hidden row, or a forget deleting one, while its import publishes would be seen by
# neither side (a listen never counted) or by both (one counted after its delete). The match (every listener's
# rows) takes the class exclusively; a publish takes it shared plus its listener's key; a forget its listener's.
_COUNTERS_CLASS = 0x4C43  # "LC", the pg_advisory_xact_lock(int, int) namespace of the listen counters


def lock_listen_counters(session: Session, *, user_id: int | None) -> None:
    """Serialise this transaction with the counters' other writers (see above); `None`: every listener's
    rows (the catalogue match). SQLite has one writer at a time already."""
    if session.get_bind().dialect.name != "postgresql":
        return
    if user_id is None:
        session.execute(text("SELECT pg_advisory_xact_lock(:c, 0)"), {"c": _COUNTERS_CLASS})
        return
    session.execute(text("SELECT pg_advisory_xact_lock_shared(:c, 0)"), {"c": _COUNTERS_CLASS})
    session.execute(text("SELECT pg_advisory_xact_lock(:c, :u)"), {"c": _COUNTERS_CLASS, "u": user_id})


def publish_import(session: Session, *, import_id: int, now: datetime) -> bool:
    """The commit point: every row of the import becomes visible at once, and its listens join the
    per-track counters. False if it already was published."""
    owner = session.scalar(select(HistoryImport.user_id).where(HistoryImport.id == import_id))
    if owner is None:
        return False
    lock_listen_counters(session, user_id=owner)
    result = session.execute(
        update(HistoryImport)
        .where(HistoryImport.id == import_id, HistoryImport.published.is_(False))
        .values(published=True, published_at=now)
    )
    if not getattr(result, "rowcount", 0):
        return False
    session.execute(_COUNT_PUBLISHED, {"import_id": import_id, "user_id": owner})
    return True


def import_opened_at(session: Session, *, import_id: int) -> datetime | None:
    return session.scalar(select(HistoryImport.created_at).where(HistoryImport.id == import_id))


def drop_hidden_rows(
    session: Session, *, user_id: int, import_id: int, since: datetime | None, until: datetime, limit: int
) -> int:
    """Delete up to `limit` of this unpublished import's rows in [since, until) (`since=None`: from the first):
    what the listener asked to forget while the import was still writing (review24 F2). Hidden rows count in
    no rollup or counter yet, so nothing is folded. Returns how many went; the caller repeats until fewer."""
    where = [Play.user_id == user_id, Play.import_id == import_id, Play.started_at < until]
    if since is not None:
        where.append(Play.started_at >= since)
    hidden = select(HistoryImport.id).where(HistoryImport.id == import_id, HistoryImport.published.is_(False))
    where.append(Play.import_id.in_(hidden.scalar_subquery()))  # never a published import's (a forget's job)
    ids = list(session.scalars(select(Play.id).where(*where).limit(limit)))
    if ids:
        lock_listen_counters(session, user_id=user_id)
        session.execute(delete(Play).where(Play.id.in_(ids)))
    return len(ids)
