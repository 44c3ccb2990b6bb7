"""Share links: private by default; a link carries 256 random bits and can be revoked."""

import hashlib
import re
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from encore.insights._models import WrappedShare
from encore.insights._period import parse_period
from encore.insights._snapshot import Snapshot
from encore.kernel import Conflict, NotFound, new_secret_token

_TOKEN = re.compile(r"\A[A-Za-z0-9_-]{20,100}\Z")


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def share_refusal(snapshot: Snapshot) -> str | None:
    """Why this Wrapped cannot be shared, or None: a link to a story with nothing in it is a dead end."""
    if snapshot.listens == 0:
        return f"Nothing to share for {snapshot.period} yet: it has no listens. Play some music first."
    return None


def create_share(session: Session, *, user_id: int, snapshot: Snapshot, now: datetime) -> str:
    """A new link to the owner's Wrapped of `snapshot`'s period (the snapshot the owner sees now)."""
    if (reason := share_refusal(snapshot)) is not None:
        raise Conflict(reason, code="nothing_to_share")
    parsed = parse_period(snapshot.period, now=now)
    token = new_secret_token(32)
    session.add(WrappedShare(user_id=user_id, period=parsed.label, token_hash=_hash(token), created_at=now))
    session.flush()
    return token


def resolve_share(session: Session, *, token: str) -> tuple[int, str]:
    """(owner user id, period) of a live share link; anything else is NotFound, never a hint why."""
    if not _TOKEN.match(token):
        raise NotFound("no such share link", code="no_share")
    row = session.execute(
        select(WrappedShare.user_id, WrappedShare.period).where(WrappedShare.token_hash == _hash(token))
    ).first()
    if row is None:
        raise NotFound("no such share link", code="no_share")
    return int(row[0]), str(row[1])


def revoke_share(session: Session, *, user_id: int, token: str) -> None:
    """Only the owner revokes; someone else's token is NotFound, as if it did not exist."""
    gone = session.execute(
        delete(WrappedShare).where(WrappedShare.user_id == user_id, WrappedShare.token_hash == _hash(token))
    )
    if not getattr(gone, "rowcount", 0):
        raise NotFound("no such share link", code="no_share")
