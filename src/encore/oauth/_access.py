"""The resource side: turn a bearer token into who may do what (authlib's RFC 6750 validator rules)."""

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, cast

from authlib.oauth2.rfc6750 import BearerTokenValidator, InsufficientScopeError, InvalidTokenError
from sqlalchemy import Connection, bindparam, or_, select
from sqlalchemy.orm import Session, aliased

from encore.accounts import User, live_credential
from encore.db import RawStatement, connection_of
from encore.kernel import EncoreError, PermissionDenied
from encore.oauth._adapters import Token
from encore.oauth._apps import sha256
from encore.oauth._models import OAuthApp, OAuthToken


class InvalidToken(EncoreError):
    code = "invalid_token"


@dataclass(frozen=True)
class Access:
    app_id: int
    client_id: str
    user_id: int | None  # None for a client-credentials token: catalogue only
    scopes: frozenset[str]
    rate_limit: int


class _Validator(BearerTokenValidator):  # type: ignore[misc]
    def authenticate_token(self, token_string: str) -> None:
        raise NotImplementedError  # the lookup below joins the app in one query instead


_OWNER = aliased(User)  # the app's developer, beside the token's user


@lru_cache(maxsize=1)
def _by_access_hash() -> RawStatement:
    """Built once, run on the connection's DB-API cursor: building the expression per request, and Core's
    execution around a one-row read, cost more CPU than the read (this runs on every /v1 request, #16).
    Nothing about the answer is kept: a revoked token or a signed-out account fails on the next request."""
    return RawStatement(
        select(
            OAuthToken.app_id,
            OAuthToken.user_id,
            OAuthToken.scope,
            OAuthToken.expires_in,
            OAuthToken.issued_at,
            OAuthToken.revoked,
            OAuthApp.client_id,
            OAuthApp.rate_limit,
            User.must_reset_password,
            User.is_active,
            _OWNER.is_active.label("owner_active"),
        )
        .join(OAuthApp, OAuthApp.id == OAuthToken.app_id)
        .join(_OWNER, _OWNER.id == OAuthApp.owner_id)
        .outerjoin(User, User.id == OAuthToken.user_id)
        # a user's token dies with a sign-out; client-credentials tokens belong to no account
        .where(
            OAuthToken.access_hash == bindparam("access_hash"),
            or_(OAuthToken.user_id.is_(None), live_credential(OAuthToken.epoch)),
        )
    )


def _why_invalid(row: Any) -> str:
    """Spotify's words: "The access token expired" tells a client to refresh, so a revoked token must not say it
    (the refresh would fail too, and a client could loop); Spotify calls a token it no longer knows invalid."""
    if row is None:
        return "Invalid access token"
    return "Invalid access token: it was revoked" if row.revoked else "The access token expired"


def check_access(session: Session, *, token: str, scopes: list[str], now: datetime) -> Access:
    """Raise InvalidToken for unknown, expired or revoked tokens; PermissionDenied for a missing scope."""
    return check_bearer(connection_of(session), token=token, scopes=scopes, now=now)


def check_bearer(conn: Connection, *, token: str, scopes: list[str], now: datetime) -> Access:
    """`check_access` on a Core connection (a hot read's, with no ORM session): the same one read and rules."""
    row = _by_access_hash().first(conn, {"access_hash": sha256(token)})
    try:
        # The row has the columns Token reads (app_id, scope, expires_in, issued_at, revoked) under their names:
        # the same expiry, revocation and scope rules as for a loaded token.
        _Validator().validate_token(Token(cast(OAuthToken, row), now) if row else None, scopes, None)
    except InvalidTokenError as error:
        raise InvalidToken(_why_invalid(row)) from error
    except InsufficientScopeError as error:
        raise PermissionDenied(
            f"Insufficient client scope: needs {' '.join(scopes)}", code="insufficient_scope"
        ) from error
    if row is None:  # validate_token has raised already; this tells mypy
        raise InvalidToken("Invalid access token")
    if not row.owner_active:  # the developer's account is stopped: its app is as if deleted (probe19 F6)
        raise InvalidToken("Invalid access token")
    if row.user_id is not None and not row.is_active:  # a disabled account's apps stop with it
        raise InvalidToken("This account is disabled")
    if row.must_reset_password:
        raise InvalidToken("Password reset required: choose a new password in Encore's web player")
    return Access(row.app_id, row.client_id, row.user_id, frozenset(row.scope.split()), row.rate_limit)
