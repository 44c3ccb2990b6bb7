"""One-time codes that complete a forced password reset (probe19 F3).

A forced reset is for the day a password may have leaked, so the password alone must not complete it: whoever
holds the leak would choose the new one and lock the owner out. Each account forced to reset gets a code the
operator hands over out of band (in person, by phone, by a mail address they trust); choosing the new password
needs the current password and this code. A new forced reset replaces the account's code; it is spent by the
change and expires after `RESET_CODE_TTL` (the operator forces the reset again for a new one).

Codes are 20 characters of Crockford's base32 (100 random bits), shown in groups of five; what a person types
is read case-insensitively, without dashes or spaces. Only the SHA-256 is stored: a copy of the database
completes no reset.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, String, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from encore.accounts._models import User
from encore.db import Base, UTCDateTime

RESET_CODE_TTL = timedelta(days=7)
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base32: no I, L, O, U to misread
_LENGTH = 20


class PasswordResetCode(Base):
    __tablename__ = "password_reset_codes"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


@dataclass(frozen=True)
class ResetCode:
    """What the operator hands over: to whom, the code, until when."""

    username: str
    email: str | None
    code: str
    expires_at: datetime


def _normalized(code: str) -> str:
    return "".join(ch for ch in code[:64].upper() if ch.isalnum())


def _hash(code: str) -> str:
    return hashlib.sha256(_normalized(code).encode()).hexdigest()


def _new_code() -> str:
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(_LENGTH))
    return "-".join(raw[i : i + 5] for i in range(0, _LENGTH, 5))


def issue_reset_codes(session: Session, *, user_id: int | None, now: datetime) -> list[ResetCode]:
    """A new code for one account (or, with None, every account), replacing any earlier one. Disabled accounts
    get one too: they are flagged as well, and one enabled later could otherwise never finish its reset
    (review19b F4)."""
    which = select(User.id, User.username, User.email).order_by(User.username_key)
    if user_id is not None:
        which = which.where(User.id == user_id)
    rows = list(session.execute(which))
    gone = delete(PasswordResetCode)
    session.execute(gone if user_id is None else gone.where(PasswordResetCode.user_id == user_id))
    expires = now + RESET_CODE_TTL
    issued = []
    for uid, username, email in rows:
        code = _new_code()
        session.add(PasswordResetCode(user_id=uid, code_hash=_hash(code), expires_at=expires))
        issued.append(ResetCode(username, email, code, expires))
    session.flush()
    return issued


def reset_code_refusal(session: Session, *, user_id: int, code: str | None, now: datetime) -> str | None:
    """Why `code` does not complete the account's forced reset (a reason code), or None when it does."""
    if not code:
        return "reset_code_required"
    row = session.get(PasswordResetCode, user_id)
    if row is None or not hmac.compare_digest(row.code_hash, _hash(code)):
        return "bad_reset_code"
    if row.expires_at <= now:
        return "reset_code_expired"
    return None


def spend_reset_code(session: Session, *, user_id: int) -> None:
    session.execute(delete(PasswordResetCode).where(PasswordResetCode.user_id == user_id))
