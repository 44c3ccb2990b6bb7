"""Developer apps, authorization codes and tokens. Secrets, codes and tokens are stored as SHA-256 only."""

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from encore.db import Base, TimestampMixin, UTCDateTime


class OAuthApp(TimestampMixin, Base):
    __tablename__ = "oauth_apps"
    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(32), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    # One exact URI per line; matching is by string equality, never by prefix.
    redirect_uris: Mapped[str] = mapped_column(Text, default="")
    # Requests allowed per rate window (30 s, as Spotify's rolling window).
    rate_limit: Mapped[int] = mapped_column(Integer, default=1800)
    request_count: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), default=0)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class OAuthCode(Base):
    __tablename__ = "oauth_codes"
    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("oauth_apps.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    redirect_uri: Mapped[str] = mapped_column(String(2000))
    scope: Mapped[str] = mapped_column(String(1000), default="")
    code_challenge: Mapped[str | None] = mapped_column(String(128))
    code_challenge_method: Mapped[str | None] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Codes are single-use: kept after use so that a replay can be recognised and what it issued revoked.
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class OAuthToken(Base):
    __tablename__ = "oauth_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    access_hash: Mapped[str] = mapped_column(String(64), unique=True)
    refresh_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("oauth_apps.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_id: Mapped[int | None] = mapped_column(ForeignKey("oauth_codes.id", ondelete="SET NULL"), index=True)
    scope: Mapped[str] = mapped_column(String(1000), default="")
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_in: Mapped[int] = mapped_column(Integer)
    refresh_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    # The grant was obtained with the client secret: refreshing it needs the secret too. A PKCE grant
    # without a secret refreshes with client_id alone (#15). Carried from token to token on refresh, as
    # is code_id, so a replayed code revokes every token descended from it.
    with_secret: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    epoch: Mapped[int] = mapped_column(Integer, default=0)  # the generation it was issued under (sign-out)
