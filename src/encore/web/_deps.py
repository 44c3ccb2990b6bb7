"""Request-edge plumbing: the container, a transaction per request, the current user, CSRF."""

from collections.abc import Iterator
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, HTTPException, Request
from sqlalchemy.orm import Session

from encore.accounts import Role, User, may_use_account, user_for_token
from encore.bootstrap import Container
from encore.catalog import CatalogueCache
from encore.config import served_base
from encore.kernel import NotFound

SESSION_COOKIE = "encore_session"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# What an account that must choose a new password may still do (operator-forced reset).
RESET_PATHS = frozenset({"/api/me", "/api/me/password", "/api/auth/logout"})


# Where `create_app`'s app puts its container in each request's ASGI scope: one FastAPI app serves every
# container of the process (web._app), so the app's own state cannot hold it.
CONTAINER_SCOPE_KEY = "encore.container"


def container(request: Request) -> Container:
    c: Container | None = request.scope.get(CONTAINER_SCOPE_KEY)
    if c is None:  # an app from `create_api(c)` keeps its container in `app.state`
        c = request.app.state.container
    return c


def db_session(request: Request) -> Iterator[Session]:
    """The request owns the transaction: commit when the handler returns, roll back if it raises."""
    with container(request).sessions() as session, session.begin():
        yield session


# scope="function": commit before the response is sent, so a client that reads right after a write sees it
# (and a failed commit is an error response, not a 200 for a write that was lost).
Db = Annotated[Session, Depends(db_session, scope="function")]


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value else None


def public_base(request: Request) -> str:
    """The one base of every absolute URL an answer gives out (a phone's server address, /v1 hrefs, share
    pages, Wrapped share pages, Stripe's return URLs): the configured ENCORE_PUBLIC_BASE_URL when set; without
    it, the address this connection reached on this machine (`config.served_base`), the only one the server
    knows (a fresh install on a LAN). Never the Host header: a client or a proxy may send any (probe22)."""
    settings = container(request).settings
    if (configured := settings.configured_public_base_url) is not None:
        return configured
    return served_base(
        scheme=request.url.scheme, server=request.scope.get("server"), host=settings.host, port=settings.port
    )


def _public_origin(request: Request) -> str:
    """The origin of ENCORE_PUBLIC_BASE_URL: the player's pages come from there even when a proxy in front
    does not say it speaks https (X-Forwarded-Proto from a proxy that is not listed is not read)."""
    url = urlsplit(container(request).settings.public_base_url)
    return f"{url.scheme}://{url.netloc}"


def _check_cross_site(request: Request) -> None:
    """Cookie-authenticated writes must come from our own pages (SameSite=Lax is the first line)."""
    if request.method in SAFE_METHODS:
        return
    site = request.headers.get("sec-fetch-site")
    if site is not None and site not in ("same-origin", "none"):
        raise HTTPException(403, detail={"code": "cross_site", "message": "cross-site request refused"})
    origin = request.headers.get("origin")
    if origin is not None and origin not in (f"{request.url.scheme}://{request.url.netloc}", _public_origin(request)):
        raise HTTPException(403, detail={"code": "cross_site", "message": "cross-site request refused"})
    if request.headers.get("x-encore-csrf") != "1":
        raise HTTPException(403, detail={"code": "csrf", "message": "missing X-Encore-CSRF header"})


def optional_user(request: Request, session: Db) -> User | None:
    token = _bearer(request)
    if token is None:
        token = request.cookies.get(SESSION_COOKIE)
        if token is None:
            return None
        _check_cross_site(request)
    user = user_for_token(session, token=token, now=container(request).clock.now())
    if user is not None and request.url.path not in RESET_PATHS:
        decision = may_use_account(is_active=user.is_active, must_reset_password=user.must_reset_password)
        if not decision.allowed:
            message = "choose a new password first (PUT /api/me/password)"
            raise HTTPException(403, detail={"code": decision.reason, "message": message})
    return user


def current_user(user: Annotated[User | None, Depends(optional_user)]) -> User:
    if user is None:
        raise HTTPException(401, detail={"code": "unauthenticated", "message": "log in first"})
    return user


CurrentUser = Annotated[User, Depends(current_user)]
MaybeUser = Annotated[User | None, Depends(optional_user)]


def catalogue_cache(request: Request) -> CatalogueCache:
    return container(request).catalogue_cache


Cache = Annotated[CatalogueCache, Depends(catalogue_cache)]


def admin_user(user: CurrentUser) -> User:
    # Non-admins learn nothing about admin routes: they answer like a missing page.
    if user.role != Role.ADMIN.value:
        raise NotFound("not found")
    return user


Admin = Annotated[User, Depends(admin_user)]
