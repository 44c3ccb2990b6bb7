"""Share links: private by default; a link carries 256 random bits and can be revoked.

Only the SHA-256 of a token is stored (a copy of the database publishes nobody's Wrapped), so the owner's
list of live links (`list_shares`) names each by its period and creation time, and revokes it by its id;
the URL itself is shown once, when it is made.

A link is a public capability the owner handed out, not a session: signing out everywhere leaves it, and the
list is where it ends. Forgetting plays ends the links whose period has no listens left (a link to an empty
story is the dead end `share_refusal` refuses to make); forgetting everything ends them all at once. A stopped
account's links (deletion asked, or disabled by the operator) answer like missing ones at once, as its playlists do.
"""

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from encore.accounts import User
from encore.history import Play, visible
from encore.insights._models import WrappedShare
from encore.insights._period import parse_period
from encore.insights._snapshot import Snapshot
from encore.kernel import Conflict, NotFound, new_secret_token

_TOKEN = re.compile(r"\A[A-Za-z0-9_-]{20,100}\Z")


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def share_refusal(snapshot: Snapshot) -> str | None:
    """Why this Wrapped cannot be shared, or None: a link to a story with nothing in it is a dead end."""
    if snapshot.nothing_played:
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
    row = session.execute(  # a stopped account's links end at once, not when its erase job runs (review19 F4)
        select(WrappedShare.user_id, WrappedShare.period)
        .join(User, User.id == WrappedShare.user_id)
        .where(WrappedShare.token_hash == _hash(token), User.is_active)
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


def revoke_share_id(session: Session, *, user_id: int, share_id: int) -> None:
    """Revoke one of the owner's links by the id `list_shares` gave; anyone else's is NotFound."""
    gone = session.execute(delete(WrappedShare).where(WrappedShare.user_id == user_id, WrappedShare.id == share_id))
    if not getattr(gone, "rowcount", 0):
        raise NotFound("no such share link", code="no_share")


@dataclass(frozen=True)
class ShareView:
    id: int
    period: str
    created_at: datetime


def list_shares(session: Session, *, user_id: int) -> list[ShareView]:
    """The owner's live links, newest first."""
    rows = session.execute(
        select(WrappedShare.id, WrappedShare.period, WrappedShare.created_at)
        .where(WrappedShare.user_id == user_id)
        .order_by(WrappedShare.created_at.desc(), WrappedShare.id.desc())
    )
    return [ShareView(int(i), str(p), at) for i, p, at in rows]


def end_shares(session: Session, *, user_id: int) -> int:
    """Forgetting everything: every link of the listener ends now. Returns how many."""
    gone = session.execute(delete(WrappedShare).where(WrappedShare.user_id == user_id))
    return int(getattr(gone, "rowcount", 0) or 0)


def end_empty_shares(session: Session, *, user_id: int) -> int:
    """After plays were forgotten: end the links whose period has no listen left. Returns how many."""
    periods = set(session.scalars(select(WrappedShare.period).where(WrappedShare.user_id == user_id)))
    empty = [p for p in sorted(periods) if not _has_listens(session, user_id, p)]
    if not empty:
        return 0
    gone = session.execute(delete(WrappedShare).where(WrappedShare.user_id == user_id, WrappedShare.period.in_(empty)))
    return int(getattr(gone, "rowcount", 0) or 0)


def _has_listens(session: Session, user_id: int, label: str) -> bool:
    period = parse_period(label, now=datetime.max)  # parsed when the link was made: only its span matters
    first = session.scalar(
        select(Play.id)
        .where(
            Play.user_id == user_id,
            Play.started_at >= period.start,
            Play.started_at < period.end,
            Play.is_listen.is_(True),
            visible(),
        )
        .limit(1)
    )
    return first is not None
