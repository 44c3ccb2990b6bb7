"""Plain-HTTP helpers that act as a developer (register an app) and as a listener (log in, consent)."""

import base64
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from encore.oauth import SCOPES, OAuthApp
from encore.oauth import register_app as register_in_db

CSRF = {"X-Encore-CSRF": "1"}
REDIRECT = "http://127.0.0.1:8765/callback"
ALL_SCOPES = " ".join(SCOPES)


@dataclass(frozen=True)
class App:
    client_id: str
    client_secret: str


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def login(http: httpx.Client, username: str, password: str) -> None:
    r = http.post("/api/auth/login", json={"username": username, "password": password})
    assert r.status_code == 200, r.text


def register_app(http: httpx.Client, *, redirect_uris: tuple[str, ...] = (REDIRECT,), name: str = "Test app") -> App:
    r = http.post("/api/developer/apps", json={"name": name, "redirect_uris": list(redirect_uris)}, headers=CSRF)
    assert r.status_code == 201, r.text
    return App(r.json()["client_id"], r.json()["client_secret"])


def authorize_query(
    app: App, *, scope: str, challenge: str | None, state: str | None = "st4te", redirect_uri: str = REDIRECT
) -> str:
    params = {"response_type": "code", "client_id": app.client_id, "redirect_uri": redirect_uri, "scope": scope}
    if state is not None:
        params["state"] = state
    if challenge is not None:
        params.update(code_challenge=challenge, code_challenge_method="S256")
    return urlencode(params)


def consent(http: httpx.Client, query: str, *, approve: bool = True) -> httpx.Response:
    """What the consent page does: read the request, then send the user's answer."""
    shown = http.get(f"/api/oauth/consent?{query}")
    if shown.status_code != 200:
        return shown
    return http.post("/api/oauth/authorize", json={"query": query, "approve": approve}, headers=CSRF)


def code_from(redirect: str) -> tuple[str, str]:
    got = parse_qs(urlsplit(redirect).query)
    return got["code"][0], got["state"][0]


def user_token(http: httpx.Client, app: App, *, scope: str = ALL_SCOPES) -> dict[str, str]:
    """The whole authorization code + PKCE flow as a public client; returns the token response."""
    verifier, challenge = pkce()
    answer = consent(http, authorize_query(app, scope=scope, challenge=challenge))
    assert answer.status_code == 200, answer.text
    code, _ = code_from(answer.json()["redirect"])
    r = http.post(
        "/api/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
            "client_id": app.client_id,
            "code_verifier": verifier,
        },
    )
    assert r.status_code == 200, r.text
    token: dict[str, str] = r.json()
    return token


def client_token(http: httpx.Client, app: App) -> str:
    r = http.post("/api/token", data={"grant_type": "client_credentials"}, auth=(app.client_id, app.client_secret))
    assert r.status_code == 200, r.text
    return str(r.json()["access_token"])


def unlimited_app(s: Session, *, owner_id: int, now: datetime) -> App:
    """An app registered in the database with its rate limit out of the way, for tests that search many times."""
    made = register_in_db(s, owner_id=owner_id, name="dev", redirect_uris=["http://127.0.0.1/cb"], now=now)
    row = s.scalar(select(OAuthApp).where(OAuthApp.client_id == made.app.client_id))
    assert row is not None
    row.rate_limit = 10**6
    return App(made.app.client_id, made.client_secret)
