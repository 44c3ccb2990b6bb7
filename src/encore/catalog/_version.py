"""The catalogue's version: one number that every write to what the catalogue shows moves.

Each writing transaction bumps the `catalogue_version` row once (so other processes and nodes can see
that something changed by reading the database) and marks its session, so the composition root can
bump the shared state's version right after the commit (so they see it at once, see bootstrap.py).
Representations built from the catalogue are cached against this version (catalog._cache). The same statement
keeps when (`changed_ms`, what Subsonic's `getIndexes` sends as `lastModified`): ms since the epoch, each change
at least 1 ms after the last one committed, so two changes in one millisecond, or a node whose clock runs behind,
never give a later change an earlier time than a client was already told.

The catalogue's lock order: on PostgreSQL the version row is a lock every catalogue write takes (at its first
flush) and holds until commit, so any other lock a catalogue writer takes (a new name's, an ISRC's or a UPC's
`write_lock`, a release's row in `catalog.claim_release`, which labels, the takedown and ingest all go through)
comes after it: the writer calls `catalogue_changed` first. Taken the other way round by one transaction, and this
way by another, the two deadlocked (review18: a release's form saved during an upload to it, a form and an ingest
setting one ISRC; review24s M1: a changed file's ingest and a takedown of its release).
"""

import time

from sqlalchemy import BigInteger, Integer, bindparam, case, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from encore.db import Base

STATE_KEY = "catalogue"
_CHANGED = "encore.catalogue_changed"
CHECKED = "encore.catalogue_cache_checked"  # the cache was checked fresh in this transaction
_MODELS = "encore.catalog._models"  # the module whose rows the catalogue shows


class CatalogueVersion(Base):
    __tablename__ = "catalogue_version"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)  # always 1
    version: Mapped[int] = mapped_column(Integer, default=0)
    sets: Mapped[int] = mapped_column(Integer, default=0)  # moved when the search index's stored sets change
    # When the version last moved, in ms since the epoch; the upgrade that added it (fixapi26_1) set its own time
    changed_ms: Mapped[int | None] = mapped_column(BigInteger)


_NOW_MS = bindparam("now_ms", type_=BigInteger)
# Built once, with the time bound per call and no ORM synchronisation (no session holds a CatalogueVersion object:
# it is read by column): built and evaluated per call it cost a catalogue write +32 % of CPU on SQLite (bench27)
_BUMP = (
    update(CatalogueVersion)
    .where(CatalogueVersion.id == 1)
    .values(
        version=CatalogueVersion.version + 1,
        changed_ms=case((CatalogueVersion.changed_ms >= _NOW_MS, CatalogueVersion.changed_ms + 1), else_=_NOW_MS),
    )
    .execution_options(synchronize_session=False)
)


def catalogue_changed(session: Session) -> None:
    if not session.info.get(_CHANGED):
        session.execute(_BUMP, {"now_ms": time.time_ns() // 1_000_000})
        session.info[_CHANGED] = True


def touched(session: Session) -> None:
    """Before a flush: any catalogue row added, edited or deleted through the ORM moves the version, so an
    edit that goes past the catalogue's own writers (a script, a test, an admin fix) is never served stale."""
    if session.info.get(_CHANGED):
        return
    added_or_gone = any(type(obj).__module__ == _MODELS for obj in (*session.new, *session.deleted))
    if added_or_gone or any(
        type(obj).__module__ == _MODELS and session.is_modified(obj, include_collections=False) for obj in session.dirty
    ):
        catalogue_changed(session)


def changed_here(session: Session) -> bool:
    return bool(session.info.get(_CHANGED))


def changed_in(session: Session) -> bool:
    """Whether this session's transaction changed the catalogue (the after-commit hook asks; it also ends
    the transaction's freshness check of the cache)."""
    session.info.pop(CHECKED, None)
    return bool(session.info.pop(_CHANGED, False))


def stored_version(session: Session) -> int:
    return session.scalar(select(CatalogueVersion.version).where(CatalogueVersion.id == 1)) or 0


def last_changed_ms(session: Session) -> int:
    """When the catalogue last changed (anything it shows: a release published, withdrawn or taken down, an
    artist added or renamed), in ms since the epoch."""
    return session.scalar(select(CatalogueVersion.changed_ms).where(CatalogueVersion.id == 1)) or 0


def sets_changed(session: Session) -> None:
    session.execute(update(CatalogueVersion).where(CatalogueVersion.id == 1).values(sets=CatalogueVersion.sets + 1))


_SETS = select(CatalogueVersion.sets).where(CatalogueVersion.id == 1)


def sets_version(session: Session) -> int:
    return session.scalar(_SETS) or 0
