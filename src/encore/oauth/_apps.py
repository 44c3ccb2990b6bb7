"""Developer apps (client id, secret shown once), usage counts, and the grants a listener can revoke."""

import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from encore.db import write_lock
from encore.kernel import NotFound, ValidationFailed, new_secret_token, towering_refusal
from encore.oauth._models import OAuthApp, OAuthCode, OAuthToken
from encore.oauth._policy import MAX_REDIRECT_URIS, check_redirect_uri
from encore.oauth._scopes import parse_scope

MAX_APPS_PER_USER = 50


def sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


@dataclass(frozen=True)
class AppView:
    client_id: str
    name: str
    redirect_uris: list[str]
    request_count: int
    rate_limit: int
    created_at: datetime
    last_used_at: datetime | None


@dataclass(frozen=True)
class NewApp:
    app: AppView
    client_secret: str  # shown once; only its hash is stored


@dataclass(frozen=True)
class GrantView:
    client_id: str
    app_name: str
    scopes: list[str]
    granted_at: datetime


def app_view(app: OAuthApp) -> AppView:
    return AppView(
        client_id=app.client_id,
        name=app.name,
        redirect_uris=uris_of(app),
        request_count=app.request_count,
        rate_limit=app.rate_limit,
        created_at=app.created_at,
        last_used_at=app.last_used_at,
    )


def uris_of(app: OAuthApp) -> list[str]:
    return [u for u in app.redirect_uris.split("\n") if u]


def _clean_uris(redirect_uris: list[str]) -> list[str]:
    uris = list(dict.fromkeys(u.strip() for u in redirect_uris if u.strip()))
    if not uris or len(uris) > MAX_REDIRECT_URIS:
        raise ValidationFailed(f"give between 1 and {MAX_REDIRECT_URIS} redirect URIs", code="bad_redirect_uri")
    for uri in uris:
        decision = check_redirect_uri(uri)
        if not decision.allowed:
            raise ValidationFailed(f"{decision.reason}: {uri[:100]}", code="bad_redirect_uri")
    return uris


def register_app(session: Session, *, owner_id: int, name: str, redirect_uris: list[str], now: datetime) -> NewApp:
    name = " ".join(name.split())
    if not 1 <= len(name) <= 100 or not name.isprintable():
        raise ValidationFailed("app name must be 1-100 printable characters", code="bad_name")
    if refused := towering_refusal(name, "An app's name"):  # shown on every consent page (review32a L1)
        raise ValidationFailed(refused, code="bad_name")
    uris = _clean_uris(redirect_uris)
    write_lock(session, "oauth_apps", owner_id)  # counted before another request's app was committed, both fit
    owned = session.scalars(select(OAuthApp.id).where(OAuthApp.owner_id == owner_id)).all()
    if len(owned) >= MAX_APPS_PER_USER:
        raise ValidationFailed(f"at most {MAX_APPS_PER_USER} apps per account", code="too_many_apps")
    secret = new_secret_token()
    app = OAuthApp(
        client_id=secrets.token_hex(16),
        secret_hash=sha256(secret),
        owner_id=owner_id,
        name=name,
        redirect_uris="\n".join(uris),
        created_at=now,
        request_count=0,
    )
    session.add(app)
    session.flush()
    return NewApp(app_view(app), secret)


def _owned(session: Session, owner_id: int, client_id: str) -> OAuthApp:
    app = session.scalar(select(OAuthApp).where(OAuthApp.client_id == client_id[:32], OAuthApp.owner_id == owner_id))
    if app is None:
        raise NotFound("no such app")
    return app


def list_apps(session: Session, *, owner_id: int) -> list[AppView]:
    rows = session.scalars(select(OAuthApp).where(OAuthApp.owner_id == owner_id).order_by(OAuthApp.id))
    return [app_view(a) for a in rows]


def delete_app(session: Session, *, owner_id: int, client_id: str) -> None:
    session.delete(_owned(session, owner_id, client_id))
    session.flush()


def app_by_client_id(session: Session, *, client_id: str) -> AppView:
    app = session.scalar(select(OAuthApp).where(OAuthApp.client_id == client_id[:32]))
    if app is None:
        raise NotFound("no such app")
    return app_view(app)


def record_usage(session: Session, *, counts: Mapping[int, int], now: datetime) -> None:
    """Add request counts (gathered in memory by the API face) to each app's running total."""
    for app_id, n in counts.items():
        session.execute(
            update(OAuthApp)
            .where(OAuthApp.id == app_id)
            .values(request_count=OAuthApp.request_count + n, last_used_at=now)
        )


def list_grants(session: Session, *, user_id: int) -> list[GrantView]:
    rows = session.execute(
        select(OAuthApp.client_id, OAuthApp.name, OAuthToken.scope, OAuthToken.issued_at)
        .join(OAuthApp, OAuthApp.id == OAuthToken.app_id)
        .where(OAuthToken.user_id == user_id, OAuthToken.revoked.is_(False))
        .order_by(OAuthToken.issued_at)
    )
    grants: dict[str, GrantView] = {}
    for client_id, name, scope, issued_at in rows:
        seen = grants.get(client_id)
        scopes = parse_scope(" ".join([*(seen.scopes if seen else []), scope]))
        grants[client_id] = GrantView(client_id, name, scopes, seen.granted_at if seen else issued_at)
    return list(grants.values())


def revoke_grant(session: Session, *, user_id: int, client_id: str, now: datetime) -> None:
    """Everything the app holds for this user stops working: tokens, refresh tokens, pending codes. An app this
    user holds nothing for is not found, whether it exists or not (probe24b F4: the answer told anyone which ids
    exist, and the caller's security log recorded a revocation that never happened)."""
    no_grant = NotFound("no grant for that app", code="no_grant")
    app_id = session.scalar(select(OAuthApp.id).where(OAuthApp.client_id == client_id[:32]))
    if app_id is None:
        raise no_grant
    tokens = session.execute(
        update(OAuthToken)
        .where(OAuthToken.user_id == user_id, OAuthToken.app_id == app_id, OAuthToken.revoked.is_(False))
        .values(revoked=True)
    )
    codes = session.execute(
        update(OAuthCode)
        .where(OAuthCode.user_id == user_id, OAuthCode.app_id == app_id, OAuthCode.used_at.is_(None))
        .values(used_at=now)
    )
    if not tokens.rowcount and not codes.rowcount:  # type: ignore[attr-defined]
        raise no_grant


def revoke_all(session: Session, *, user_id: int | None, now: datetime) -> None:
    """Sign-out: every token, refresh token and pending code of one account (or of all, with None) stops
    working; a refresh or a code exchange cannot mint a fresh token past the sign-out."""
    tokens = update(OAuthToken).where(OAuthToken.revoked.is_(False))
    codes = update(OAuthCode).where(OAuthCode.used_at.is_(None))
    if user_id is not None:
        tokens, codes = tokens.where(OAuthToken.user_id == user_id), codes.where(OAuthCode.user_id == user_id)
    session.execute(tokens.values(revoked=True))
    session.execute(codes.values(used_at=now))
