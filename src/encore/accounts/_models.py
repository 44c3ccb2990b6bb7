"""Users and their sessions. Tiers (entitlements) and label membership extend users by reference."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from encore.db import Base, TimestampMixin, UTCDateTime
from encore.kernel import new_public_id


class Role(StrEnum):
    LISTENER = "listener"
    LABEL = "label"
    ADMIN = "admin"


class User(TimestampMixin, Base):
    __tablename__ = "users"
    # SQLite never gives a deleted account's id again (erase18_1): state kept by id must not pass to a new account
    __table_args__ = ({"sqlite_autoincrement": True},)
    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(22), unique=True, default=new_public_id)
    username: Mapped[str] = mapped_column(String(64))
    # casefolded username: "Alice" and "alice" are one account
    username_key: Mapped[str] = mapped_column(String(64), unique=True)
    # The name others see, as the listener chose it; "": none chosen (`accounts.public_name` shows a neutral one)
    display_name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(320))
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(10), default=Role.LISTENER.value)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # A label account acts for exactly one label (issue: labels and royalty statements).
    label_id: Mapped[int | None] = mapped_column(ForeignKey("labels.id", ondelete="SET NULL"))
    # Credentials issued under an earlier generation no longer count (accounts._epochs: sign out everywhere).
    signed_out_epoch: Mapped[int] = mapped_column(Integer, default=0)
    # Set by an operator (one account or all): until a new password is chosen, only that may be done.
    must_reset_password: Mapped[bool] = mapped_column(Boolean, default=False)


class AuthSession(TimestampMixin, Base):
    """An opaque session token; only its SHA-256 is stored, so a database leak reveals no session."""

    __tablename__ = "auth_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    user_agent: Mapped[str] = mapped_column(String(300), default="")
    epoch: Mapped[int] = mapped_column(Integer, default=0)  # the generation it was issued under


class LoginAttempt(Base):
    """Failed logins, counted per account and per client to slow down guessing."""

    __tablename__ = "login_attempts"
    id: Mapped[int] = mapped_column(primary_key=True)
    account_key: Mapped[str] = mapped_column(String(64), index=True)
    client_key: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class ListenToken(TimestampMixin, Base):
    """A user's ListenBrainz-style API token for scrobblers; only its SHA-256 is stored."""

    __tablename__ = "listen_tokens"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hint: Mapped[str] = mapped_column(String(8))  # last characters, so the user can tell tokens apart
    epoch: Mapped[int] = mapped_column(Integer, default=0)  # the generation it was issued under
