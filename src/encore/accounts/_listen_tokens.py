"""ListenBrainz-style user tokens for scrobblers: shown once when made, stored only as a SHA-256."""

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, case, delete, select
from sqlalchemy.orm import Session

from encore.accounts._epochs import issue_epoch, live_credential
from encore.accounts._models import ListenToken, User
from encore.accounts._policy import may_use_account
from encore.db import RawStatement, write_lock
from encore.kernel import new_secret_token

MAX_TOKEN_CHARS = 200


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class ListenTokenInfo:
    exists: bool  # a token that works: made, and not cut by a sign-out since
    hint: str | None
    created_at: datetime | None
    revoked: bool = False  # a token was made, and a sign-out everywhere (or a disable) has cut it since


_INFO = (
    select(ListenToken.hint, ListenToken.created_at, case((live_credential(ListenToken.epoch), 1), else_=0))
    .join(User, User.id == ListenToken.user_id)
    .where(ListenToken.user_id == bindparam("user_id"))
)


def listen_token_info(session: Session, *, user_id: int) -> ListenTokenInfo:
    """What the listener is told about their token. One cut by a sign-out is not "there": every use of it is
    refused (the same `live_credential` clause as `user_for_listen_token`), so it answers as revoked, like
    the devices list, which leaves signed-out app passwords out."""
    row = session.execute(_INFO, {"user_id": user_id}).one_or_none()
    if row is None:
        return ListenTokenInfo(False, None, None)
    hint, created_at, live = row
    if not live:
        return ListenTokenInfo(False, None, None, revoked=True)
    return ListenTokenInfo(True, hint, created_at)


def regenerate_listen_token(session: Session, *, user_id: int, now: datetime) -> str:
    """A new token (256 random bits) replaces the old one, which stops working at once."""
    token = new_secret_token()
    # one at a time: regenerated at once, a racer's insert waited on the other's new row and failed on the
    # key (PostgreSQL: a 500 for a double click)
    write_lock(session, "listen_token", user_id)
    session.execute(delete(ListenToken).where(ListenToken.user_id == user_id))
    epoch = issue_epoch(session)
    session.add(ListenToken(user_id=user_id, token_hash=_hash(token), hint=token[-4:], created_at=now, epoch=epoch))
    session.flush()
    return token


# built once: every scrobbled listen asks this, and building the statement cost more than running it (#17)
_BY_TOKEN = (
    select(User)
    .join(ListenToken, ListenToken.user_id == User.id)
    .where(ListenToken.token_hash == bindparam("token_hash"), live_credential(ListenToken.epoch))
)


def user_for_listen_token(session: Session, *, token: str) -> User | None:
    if not token or len(token) > MAX_TOKEN_CHARS:
        return None
    user = session.scalar(_BY_TOKEN, {"token_hash": _hash(token)})
    if user is None:
        return None
    usable = may_use_account(is_active=user.is_active, must_reset_password=user.must_reset_password)
    return user if usable.allowed else None


# the same lookup for a caller that needs only the listener's id (the ListenBrainz writer, once per batch per
# token): three columns on the DB-API cursor, where loading the whole `User` through the ORM cost ~0.3-0.6 ms
# of CPU a batch, ~0.5 us a listen of a 1,000-listen import (issue #17)
_ID_BY_TOKEN = RawStatement(
    select(User.id, User.is_active, User.must_reset_password)
    .join(ListenToken, ListenToken.user_id == User.id)
    .where(ListenToken.token_hash == bindparam("token_hash"), live_credential(ListenToken.epoch))
)


def listener_for_listen_token(session: Session, *, token: str) -> int | None:
    """The id of the user `user_for_listen_token` answers for this token, or None where it answers None."""
    if not token or len(token) > MAX_TOKEN_CHARS:
        return None
    rows = _ID_BY_TOKEN.rows(session.connection(), {"token_hash": _hash(token)})
    if not rows:
        return None
    user_id, is_active, must_reset = rows[0]
    return int(user_id) if may_use_account(is_active=is_active, must_reset_password=must_reset).allowed else None
