"""OAuth 2.0 endpoints (/authorize, /api/token, revocation), the consent and developer pages' JSON API."""

from functools import partial
from pathlib import Path
from typing import Annotated
from urllib.parse import parse_qs

from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse
from pydantic import BaseModel, Field

from encore import oauth
from encore.audit import kinds
from encore.web._audit import note
from encore.web._deps import CurrentUser, Db, container
from encore.web._pages import STATIC_DIR
from encore.web._threads import run_write

PAGES = Path(STATIC_DIR) / "developer"
router = APIRouter(tags=["OAuth 2.0"])
pages = APIRouter(include_in_schema=False)
dev = APIRouter(prefix="/api", tags=["Developer apps (Encore)"])


async def _call(request: Request) -> oauth.HttpCall:
    params = {k: list(v) for k, v in parse_qs(request.url.query, keep_blank_values=True).items()}
    if request.method == "POST":
        body = (await request.body())[:65_536].decode("utf-8", "replace")
        for key, values in parse_qs(body, keep_blank_values=True).items():
            params.setdefault(key, []).extend(values)
    headers = {k.title(): v for k, v in request.headers.items()}
    return oauth.HttpCall(request.method, str(request.url), headers, params)


def _reply(reply: oauth.OAuthReply) -> Response:
    headers = {k: v for k, v in reply.headers if k.lower() != "content-type"}
    if reply.location:
        return RedirectResponse(reply.location, status_code=302)
    return JSONResponse(reply.body, status_code=reply.status, headers=headers)


def _page(name: str) -> FileResponse:
    return FileResponse(PAGES / name, media_type="text/html", headers={"Cache-Control": "no-cache"})


@pages.api_route("/authorize", methods=["GET", "HEAD"])  # as every page (web._pages): link checkers HEAD first
def authorize_page(request: Request, session: Db) -> Response:
    """The consent page; its script reads the query, asks /api/oauth/consent, and posts the answer. A word that is
    no scope goes straight back to a known app's registered URI with invalid_scope (RFC 6749 §4.1.2.1)."""
    call = _query_call(request, request.url.query[:8000])
    if location := oauth.scope_refused_redirect(session, call=call, now=container(request).clock.now()):
        return RedirectResponse(location, status_code=302)
    return _page("consent.html")


@pages.api_route("/developer", methods=["GET", "HEAD"])
def developer_page() -> FileResponse:
    return _page("developer.html")


class ConsentOut(BaseModel):
    client_id: str
    app_name: str
    scopes: list[dict[str, str]]
    redirect_uri: str
    not_granted: list[str] = Field(
        default=[],
        description="Spotify scopes the app asked for that Encore has nothing behind: named in the token's "
        "scope, they open nothing",
    )


class Answer(BaseModel):
    query: str = Field(max_length=8000, description="The /authorize query string, as received")
    approve: bool


class RedirectOut(BaseModel):
    redirect: str


def _problem(exc: oauth.OAuthProblem) -> JSONResponse:
    return JSONResponse({"error": {"code": exc.error, "message": exc.description}}, status_code=400)


def _query_call(request: Request, query: str) -> oauth.HttpCall:
    params = {k: list(v) for k, v in parse_qs(query, keep_blank_values=True).items()}
    url = f"{str(request.base_url).rstrip('/')}/authorize?{query}"
    return oauth.HttpCall("GET", url, {}, params)


@dev.get("/oauth/consent", tags=["OAuth 2.0"], responses={400: {"description": "A broken authorization request"}})
def consent(request: Request, session: Db, user: CurrentUser) -> ConsentOut:
    """What an /authorize request asks for, checked, for the consent page (the logged-in user's cookie)."""
    call = _query_call(request, request.url.query[:8000])
    try:
        found = oauth.check_authorization(session, call=call, user_id=user.id, now=container(request).clock.now())
    except oauth.OAuthProblem as exc:
        return _problem(exc)  # type: ignore[return-value]
    scopes = [{"scope": sc, "description": oauth.SCOPES[sc]} for sc in found.scopes]
    return ConsentOut(
        client_id=found.client_id,
        app_name=found.app_name,
        scopes=scopes,
        redirect_uri=found.redirect_uri,
        not_granted=found.not_granted,
    )


@dev.post("/oauth/authorize", tags=["OAuth 2.0"])
def answer(request: Request, session: Db, user: CurrentUser, body: Answer) -> RedirectOut:
    """The user's decision; the page then follows `redirect` (code and state, or error=access_denied)."""
    call = _query_call(request, body.query)
    now = container(request).clock.now()
    try:
        oauth.check_authorization(session, call=call, user_id=user.id, now=now)
        reply = oauth.authorize(session, call=call, user_id=user.id, approved=body.approve, now=now)
        if body.approve and reply.location:
            client_id = (call.params.get("client_id") or [""])[0][:64]
            note(request, session, kinds.OAUTH_GRANTED, actor=user, client_id=client_id)
    except oauth.OAuthProblem as exc:
        return _problem(exc)  # type: ignore[return-value]
    if not reply.location:
        return JSONResponse(
            {
                "error": {
                    "code": reply.body.get("error", "invalid_request"),  # type: ignore[return-value]
                    "message": reply.body.get("error_description", ""),
                }
            },
            status_code=400,
        )
    return RedirectOut(redirect=reply.location)


GRANTS_HELP = """Exchange a code (`grant_type=authorization_code`, with `code_verifier` for PKCE), a refresh token
(`grant_type=refresh_token`; a new refresh token comes back and the old one stops working; an old one sent again
more than 2 s after its rotation means a copy exists, and revokes the whole grant) or client
credentials (`grant_type=client_credentials`). Client authentication: HTTP Basic, form fields, or none
(public client with PKCE). Form-encoded, as RFC 6749 says. Errors are RFC 6749 `{"error", "error_description"}`."""


# The grants run on a worker thread (the write lane), not on the event loop: a refresh waits on its token's row
# while another refresh with the same token commits (`_RefreshGrant.save_token`), and that commit needs the loop.


@router.post("/api/token", summary="Token endpoint", description=GRANTS_HELP)
async def token(request: Request, session: Db) -> Response:
    call, c = await _call(request), container(request)
    replays: list[oauth.GrantReplayed] = []
    reply = await run_write(c, partial(oauth.token_endpoint, session, call=call, now=c.clock.now(), replays=replays))
    for replay in replays:  # who sent it (the thief or the app) is the request's address and user agent
        note(
            request,
            session,
            kinds.OAUTH_REPLAY_REVOKED,
            actor=None,
            subject_id=replay.user_id,
            client_id=replay.client_id,
            credential=replay.credential,
            tokens_revoked=replay.tokens_revoked,
            rotated_at=replay.rotated_at.isoformat() if replay.rotated_at else None,
            reason=replay.reason,
        )
    return _reply(reply)


@router.post("/api/token/revoke", summary="Revoke a token (RFC 7009)")
async def revoke(request: Request, session: Db) -> Response:
    """Form fields `token` (access or refresh) and optional `token_type_hint`; client authentication as above."""
    call, c = await _call(request), container(request)
    revoked: list[oauth.OAuthToken] = []
    endpoint = partial(oauth.revocation_endpoint, session, call=call, now=c.clock.now(), revoked=revoked)
    reply = await run_write(c, endpoint)
    for token in revoked:
        app = session.get(oauth.OAuthApp, token.app_id)
        client_id = app.client_id if app else None
        note(request, session, kinds.OAUTH_TOKEN_REVOKED, actor=None, subject_id=token.user_id, client_id=client_id)
    return _reply(reply)


class NewAppIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    redirect_uris: list[Annotated[str, Field(max_length=2000)]] = Field(min_length=1, max_length=10)


class AppOut(BaseModel):
    client_id: str
    name: str
    redirect_uris: list[str]
    request_count: int
    rate_limit_per_30s: int
    created_at: str
    last_used_at: str | None


class NewAppOut(AppOut):
    client_secret: str = Field(description="Shown once: Encore keeps only its hash")


class GrantOut(BaseModel):
    client_id: str
    app_name: str
    scopes: list[str]
    granted_at: str


def _app_out(a: oauth.AppView, pending: int = 0) -> dict[str, object]:
    return {
        "client_id": a.client_id,
        "name": a.name,
        "redirect_uris": a.redirect_uris,
        "request_count": a.request_count + pending,
        "rate_limit_per_30s": a.rate_limit,
        "created_at": a.created_at.isoformat(),
        "last_used_at": a.last_used_at.isoformat() if a.last_used_at else None,
    }


@dev.get("/developer/apps")
def my_apps(request: Request, session: Db, user: CurrentUser) -> list[AppOut]:
    from encore.web.spotify._edge import flush_usage

    c = container(request)
    flush_usage(session, c.app_rates, now=c.clock.now(), force=True)
    return [AppOut.model_validate(_app_out(a)) for a in oauth.list_apps(session, owner_id=user.id)]


@dev.post("/developer/apps", status_code=201)
def new_app(request: Request, session: Db, user: CurrentUser, body: NewAppIn) -> NewAppOut:
    made = oauth.register_app(
        session, owner_id=user.id, name=body.name, redirect_uris=body.redirect_uris, now=container(request).clock.now()
    )
    note(request, session, kinds.OAUTH_APP_CREATED, actor=user, client_id=made.app.client_id, name=made.app.name)
    return NewAppOut.model_validate({**_app_out(made.app), "client_secret": made.client_secret})


@dev.delete("/developer/apps/{client_id}", status_code=204)
def drop_app(request: Request, session: Db, user: CurrentUser, client_id: str) -> None:
    oauth.delete_app(session, owner_id=user.id, client_id=client_id)
    note(request, session, kinds.OAUTH_APP_DELETED, actor=user, client_id=client_id[:64])


@dev.get("/me/grants")
def my_grants(session: Db, user: CurrentUser) -> list[GrantOut]:
    return [
        GrantOut(client_id=g.client_id, app_name=g.app_name, scopes=g.scopes, granted_at=g.granted_at.isoformat())
        for g in oauth.list_grants(session, user_id=user.id)
    ]


@dev.delete("/me/grants/{client_id}", status_code=204)
def revoke_grant(request: Request, session: Db, user: CurrentUser, client_id: str) -> None:
    oauth.revoke_grant(session, user_id=user.id, client_id=client_id, now=container(request).clock.now())
    note(request, session, kinds.OAUTH_GRANT_REVOKED, actor=user, client_id=client_id[:64])
