"""Accounts service: sign up, log in (throttled), sessions. Takes a Session, never commits."""

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from encore.accounts._models import AuthSession, LoginAttempt, Role, User
from encore.accounts._passwords import hash_password, needs_rehash, verify_password
from encore.accounts._policy import check_password, check_username, may_attempt_login
from encore.kernel import Conflict, EncoreError, ValidationFailed, is_public_id, new_secret_token


class LoginFailed(EncoreError):
    """Deliberately the same message for a wrong password and an unknown user."""

    code = "invalid_credentials"


class LoginThrottled(EncoreError):
    code = "too_many_attempts"


@dataclass(frozen=True)
class LoginLimits:
    per_account: int
    per_client: int
    window: timedelta


@dataclass(frozen=True)
class NewSession:
    token: str
    user: User
    expires_at: datetime


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_user(
    session: Session,
    *,
    username: str,
    password: str,
    role: Role = Role.LISTENER,
    display_name: str | None = None,
    email: str | None = None,
) -> User:
    for decision in (check_username(username), check_password(password)):
        if not decision.allowed:
            raise ValidationFailed(decision.reason)
    key = username.casefold()
    if session.scalar(select(User.id).where(User.username_key == key)) is not None:
        raise Conflict("that username is taken")
    user = User(
        username=username,
        username_key=key,
        display_name=(display_name or username)[:100],
        email=email,
        password_hash=hash_password(password),
        role=role.value,
    )
    session.add(user)
    session.flush()
    return user


def _recent_failures(session: Session, column: object, key: str, since: datetime) -> int:
    return (
        session.scalar(
            select(func.count()).select_from(LoginAttempt).where(column == key, LoginAttempt.at >= since)  # type: ignore[arg-type]
        )
        or 0
    )


@dataclass(frozen=True)
class LoginOutcome:
    """The caller commits the failed attempt it records before raising `error`."""

    user: User | None
    error: EncoreError | None


def authenticate(
    session: Session, *, username: str, password: str, client: str, limits: LoginLimits, now: datetime
) -> LoginOutcome:
    """Check credentials. Throttled before trying; any mismatch is the same generic failure."""
    account_key = hashlib.sha256(username.casefold().encode()).hexdigest()
    client_key = hashlib.sha256(client.encode()).hexdigest()
    since = now - limits.window
    decision = may_attempt_login(
        failures_for_account=_recent_failures(session, LoginAttempt.account_key, account_key, since),
        failures_for_client=_recent_failures(session, LoginAttempt.client_key, client_key, since),
        account_limit=limits.per_account,
        client_limit=limits.per_client,
    )
    if not decision.allowed:
        return LoginOutcome(
            None, LoginThrottled("too many failed log-in attempts; try again later", code=decision.reason)
        )
    user = session.scalar(select(User).where(User.username_key == username.casefold()))
    ok = verify_password(user.password_hash if user else None, password[:1024])
    if not ok or user is None or not user.is_active:
        session.add(LoginAttempt(account_key=account_key, client_key=client_key, at=now))
        return LoginOutcome(None, LoginFailed("wrong username or password"))
    session.execute(delete(LoginAttempt).where(LoginAttempt.account_key == account_key))
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return LoginOutcome(user, None)


def start_session(session: Session, *, user: User, ttl: timedelta, now: datetime, user_agent: str = "") -> NewSession:
    token = new_secret_token()
    expires = now + ttl
    session.add(
        AuthSession(user_id=user.id, token_hash=_token_hash(token), expires_at=expires, user_agent=user_agent[:300])
    )
    return NewSession(token=token, user=user, expires_at=expires)


def user_for_token(session: Session, *, token: str, now: datetime) -> User | None:
    if not token or len(token) > 200:
        return None
    row = session.execute(
        select(AuthSession, User)
        .join(User, User.id == AuthSession.user_id)
        .where(AuthSession.token_hash == _token_hash(token))
    ).first()
    if row is None:
        return None
    auth, user = row
    if auth.expires_at <= now or not user.is_active:
        return None
    return user


def end_session(session: Session, *, token: str) -> None:
    session.execute(delete(AuthSession).where(AuthSession.token_hash == _token_hash(token)))


def get_user_by_name(session: Session, *, username: str) -> User | None:
    return session.scalar(select(User).where(User.username_key == username.casefold()))


def get_active_user(session: Session, *, public_id: str) -> User | None:
    """The active account with this public id (profiles, /v1/users/{id}); None for anything else."""
    if not is_public_id(public_id):
        return None
    user = session.scalar(select(User).where(User.public_id == public_id))
    return user if user is not None and user.is_active else None


def find_users(session: Session, *, query: str, limit: int) -> list[User]:
    """Accounts whose username or display name holds `query` (case-folded), by username (the admin's list)."""
    folded = query.strip().casefold()
    stmt = select(User).order_by(User.username_key).limit(limit)
    if folded:
        pattern = "%" + folded.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(
            User.username_key.like(pattern, escape="\\") | func.lower(User.display_name).like(pattern, escape="\\")
        )
    return list(session.scalars(stmt))
