"""The OAuth 2.0 server on SQLite and PostgreSQL: every refusal answers with its RFC 6749 / 7009 error code."""

import base64
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlencode

import httpx
import pytest
import spotipy
from fastapi.testclient import TestClient
from sqlalchemy import select

from encore import billing
from encore.accounts import User, create_user
from encore.bootstrap import Container, build
from encore.config import Settings
from encore.db import transaction
from encore.kernel import FixedClock
from encore.oauth import OAuthApp, OAuthToken
from encore.oauth._policy import ROTATION_RACE
from encore.web import create_app
from tests.support.live import LiveServer, serve
from tests.web.spotify.flows import (
    CSRF,
    REDIRECT,
    App,
    authorize_query,
    client_token,
    code_from,
    consent,
    login,
    pkce,
    register_app,
    user_token,
)
from tests.web.spotify.spotipy_client import pkce_client

PASSWORD = "listener-pass-1"


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 6, 1, 12, 0, tzinfo=UTC))


@pytest.fixture
def api(settings: Settings, clock: FixedClock) -> Iterator[tuple[TestClient, Container]]:
    c = build(settings, clock=clock)
    with transaction(c.sessions) as s:
        create_user(s, username="alice", password=PASSWORD, email="alice@example.org")
    # "localhost": authlib refuses plain http except on loopback, as RFC 8252 allows.
    with TestClient(create_app(c), base_url="http://localhost") as client:
        login(client, "alice", PASSWORD)
        yield client, c
    c.close()


@pytest.fixture
def served(settings: Settings, clock: FixedClock) -> Iterator[LiveServer]:
    """The same Encore under real uvicorn (for real clients and threads), its clock the test's."""
    c = build(settings, clock=clock)
    with transaction(c.sessions) as s:
        create_user(s, username="alice", password=PASSWORD, email="alice@example.org")
    with serve(c) as live:
        yield live
    c.close()


@pytest.fixture
def client(api: tuple[TestClient, Container]) -> TestClient:
    return api[0]


@pytest.fixture
def app(client: TestClient) -> App:
    return register_app(client)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _exchange(client: TestClient, app: App, code: str, verifier: str | None, **extra: str) -> dict[str, object]:
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT, "client_id": app.client_id}
    if verifier is not None:
        data["code_verifier"] = verifier
    r = client.post("/api/token", data={**data, **extra})
    return {"status": r.status_code, **r.json()}


def _code(client: TestClient, app: App, challenge: str | None, scope: str = "user-read-private") -> str:
    answer = consent(client, authorize_query(app, scope=scope, challenge=challenge))
    assert answer.status_code == 200, answer.text
    code, state = code_from(answer.json()["redirect"])
    assert state == "st4te"
    return code


def test_code_flow_with_pkce_gives_a_working_token(client: TestClient, app: App) -> None:
    token = user_token(client, app, scope="user-read-email")
    assert token["token_type"] == "Bearer" and token["scope"] == "user-read-email" and token["refresh_token"]
    me = client.get("/v1/me", headers=bearer(token["access_token"]))
    assert me.status_code == 200 and me.json()["email"] == "alice@example.org"


def test_me_product_is_the_accounts_tier_now(api: tuple[TestClient, Container], app: App) -> None:
    """`product` said "premium" to every token with user-read-private, free accounts too (spotipy's
    `current_user()["product"]`); it is the tier the account has now, and changes with it."""
    client, c = api
    token = user_token(client, app, scope="user-read-private")["access_token"]
    me = client.get("/v1/me", headers=bearer(token)).json()
    assert me["product"] == "free"
    with transaction(c.sessions) as s:
        alice = s.scalars(select(User).where(User.username == "alice")).one()
        billing.grant_premium(s, user_public_id=alice.public_id, plan="premium", days=30, now=c.clock.now())
    assert client.get("/v1/me", headers=bearer(token)).json()["product"] == "premium"
    narrow = user_token(client, app, scope="user-read-email")["access_token"]
    assert client.get("/v1/me", headers=bearer(narrow)).json()["product"] is None  # the scope's to know


def test_an_unsupported_response_type_is_worded_once(client: TestClient, app: App) -> None:
    """authlib hands its own sentence over as the response type: the page read "response_type=The response
    type 'token' is not supported by the server. is not supported"."""
    query = authorize_query(app, scope="user-read-private", challenge=pkce()[1]).replace(
        "response_type=code", "response_type=token"
    )
    shown = client.get(f"/api/oauth/consent?{query}")
    assert shown.status_code == 400, shown.text
    message = shown.json()["error"]["message"]
    assert message.startswith("response_type must be code") and "not supported by the server" not in message


def test_pkce_mismatch_is_invalid_grant(client: TestClient, app: App) -> None:
    _, challenge = pkce()
    other_verifier, _ = pkce()
    got = _exchange(client, app, _code(client, app, challenge), other_verifier)
    assert got["status"] == 400 and got["error"] == "invalid_grant"


def test_public_client_without_pkce_is_refused(client: TestClient, app: App) -> None:
    got = _exchange(client, app, _code(client, app, None), None)
    assert got["status"] == 400 and got["error"] == "invalid_request"


def test_plain_pkce_method_is_refused(client: TestClient, app: App) -> None:
    _, challenge = pkce()
    query = authorize_query(app, scope="", challenge=challenge).replace("S256", "plain")
    r = client.get(f"/api/oauth/consent?{query}")
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_request"


def test_reused_code_is_refused_and_revokes_what_it_issued(client: TestClient, app: App) -> None:
    verifier, challenge = pkce()
    code = _code(client, app, challenge)
    first = _exchange(client, app, code, verifier)
    assert first["status"] == 200
    access = str(first["access_token"])
    assert client.get("/v1/me", headers=bearer(access)).status_code == 200
    again = _exchange(client, app, code, verifier)
    assert again["status"] == 400 and again["error"] == "invalid_grant"
    revoked = client.get("/v1/me", headers=bearer(access))
    assert revoked.status_code == 401 and revoked.json()["error"]["status"] == 401
    refreshed = client.post(
        "/api/token",
        data={"grant_type": "refresh_token", "refresh_token": first["refresh_token"], "client_id": app.client_id},
    )
    assert refreshed.status_code == 400 and refreshed.json()["error"] == "invalid_grant"


@pytest.mark.parametrize(
    "redirect_uri",
    [
        "http://127.0.0.1:8765/callback/extra",  # a longer path
        "http://127.0.0.1:8765/callback?x=1",  # an added query
        "http://127.0.0.1:8765/Callback",  # case changed
        "http://127.0.0.1:8766/callback",  # another port
        "http://127.0.0.1:8765/",  # a prefix of the registered one
        "https://evil.example/callback",  # elsewhere entirely
    ],
    ids=["longer-path", "query", "case", "port", "prefix", "elsewhere"],
)
def test_unregistered_or_loosened_redirect_uri_is_refused_without_redirect(
    client: TestClient, app: App, redirect_uri: str
) -> None:
    _, challenge = pkce()
    r = consent(client, authorize_query(app, scope="", challenge=challenge, redirect_uri=redirect_uri))
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_request"
    assert "redirect" not in r.json()
    posted = client.post(
        "/api/oauth/authorize",
        headers=CSRF,
        json={"query": authorize_query(app, scope="", challenge=challenge, redirect_uri=redirect_uri), "approve": True},
    )
    assert posted.status_code == 400 and "redirect" not in posted.json()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("redirect_uri", REDIRECT + '"x'),
        ("redirect_uri", REDIRECT + "\\x"),
        ("redirect_uri", REDIRECT + "\x7f"),
        ("scope", 'user-read-private "x'),
        ("scope", "a\\b"),
        ("response_type", 'code"'),
        ("response_type", "tok\\en"),
        ("client_id", 'x"y'),
        ("code_challenge_method", 'S"256'),
    ],
    ids=[
        "uri-quote",
        "uri-backslash",
        "uri-del",
        "scope-quote",
        "scope-backslash",
        "type-quote",
        "type-backslash",
        "client-quote",
        "method-quote",
    ],
)
def test_a_quote_or_backslash_in_a_quoted_parameter_is_invalid_request_not_a_500(
    client: TestClient, app: App, name: str, value: str
) -> None:
    """authlib writes these parameters into its error_description and refuses a description holding '"', '\\'
    or DEL (RFC 6749 §5.2) with a ValueError: the consent page said "internal error" (probe17)."""
    _, challenge = pkce()
    params = dict(parse_qsl(authorize_query(app, scope="user-read-private", challenge=challenge)))
    params[name] = value
    query = urlencode(params)
    shown = client.get(f"/api/oauth/consent?{query}")
    assert shown.status_code == 400 and shown.json()["error"]["code"] == "invalid_request", shown.text
    assert name in shown.json()["error"]["message"]
    posted = client.post("/api/oauth/authorize", headers=CSRF, json={"query": query, "approve": True})
    assert posted.status_code == 400 and "redirect" not in posted.json()


@pytest.mark.parametrize("field", ["scope", "client_id", "grant_type"])
def test_a_token_request_with_a_quote_in_a_quoted_parameter_is_invalid_request(
    client: TestClient, app: App, field: str
) -> None:
    form = {"grant_type": "client_credentials", "client_id": app.client_id, "client_secret": app.client_secret}
    form[field] = 'a"b'
    r = client.post("/api/token", data=form)
    assert r.status_code == 400 and r.json()["error"] == "invalid_request" and field in r.json()["error_description"]


@pytest.mark.parametrize("path", ["/api/token", "/api/token/revoke"])
@pytest.mark.parametrize(
    "raw", [b"\xff\xfe:secret", b"no-colon-here", b"tab"], ids=["not-utf8", "no-colon", "tab-and-space"]
)
def test_basic_credentials_that_cannot_be_read_are_invalid_request(client: TestClient, path: str, raw: bytes) -> None:
    """probe17b: Basic credentials whose base64 held no UTF-8 were a 500 from authlib's decoding."""
    auth = {"Authorization": "Basic " + base64.b64encode(raw).decode()}
    if raw == b"tab":  # authlib splits on any whitespace (review17b: a tab and an inner space got past the check)
        auth = {"Authorization": "Basic\t/ w=="}
    r = client.post(path, data={"grant_type": "client_credentials", "token": "x"}, headers=auth)
    assert r.status_code == 400 and r.json()["error"] == "invalid_request", r.text


def test_token_exchange_with_another_redirect_uri_is_invalid_grant(client: TestClient, app: App) -> None:
    verifier, challenge = pkce()
    got = _exchange(client, app, _code(client, app, challenge), verifier, redirect_uri=REDIRECT + "x")
    assert got["status"] == 400 and got["error"] == "invalid_grant"


@pytest.mark.parametrize("state", [None, ""])
def test_missing_state_is_taken_and_none_echoed(client: TestClient, app: App, state: str | None) -> None:
    """probe22 F5: `state` is RECOMMENDED (RFC 6749 §4.1.1), the client's own CSRF check, and spotipy sends none by
    default; the redirect then carries no state. The consent form's own CSRF header is still required."""
    _, challenge = pkce()
    query = authorize_query(app, scope="", challenge=challenge, state=state)
    unforged = client.post("/api/oauth/authorize", json={"query": query, "approve": True})
    assert unforged.status_code == 403 and unforged.json()["error"]["code"] == "csrf"
    for approve in (True, False):
        answer = consent(client, query, approve=approve)
        assert answer.status_code == 200, answer.text
        got = dict(parse_qsl(answer.json()["redirect"].split("?", 1)[1], keep_blank_values=True))
        assert "state" not in got and ("code" in got if approve else got["error"] == "access_denied")


def test_unknown_client_and_unknown_scope(client: TestClient, app: App) -> None:
    _, challenge = pkce()
    unknown = App("0" * 32, "")
    r = client.get(f"/api/oauth/consent?{authorize_query(unknown, scope='', challenge=challenge)}")
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_client"
    r = client.get(f"/api/oauth/consent?{authorize_query(app, scope='user-read-private admin', challenge=challenge)}")
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_scope"


def test_denied_consent_redirects_with_access_denied_and_state(client: TestClient, app: App) -> None:
    _, challenge = pkce()
    answer = consent(client, authorize_query(app, scope="", challenge=challenge), approve=False)
    assert answer.status_code == 200
    redirect = answer.json()["redirect"]
    assert redirect.startswith(REDIRECT) and "error=access_denied" in redirect and "state=st4te" in redirect


def test_expired_token_is_invalid_token(client: TestClient, app: App, clock: FixedClock) -> None:
    token = user_token(client, app)
    clock.advance(3601)
    r = client.get("/v1/me", headers=bearer(token["access_token"]))
    assert r.status_code == 401 and r.json() == {"error": {"status": 401, "message": "The access token expired"}}
    assert 'error="invalid_token"' in r.headers["www-authenticate"]


def test_no_token_is_challenged_without_an_error_code(client: TestClient, app: App) -> None:
    """review25c L2, RFC 6750 §3.1: a request with no token (or Basic credentials, which are not a bearer token)
    is challenged with no error code; `invalid_token` is for a token that was sent and refused, and some OAuth
    libraries take it as the cue to refresh and try again."""
    for headers in ({}, {"Authorization": "Basic YTpi"}, {"Authorization": "Bearer "}):
        r = client.get("/v1/me", headers=headers)
        assert r.status_code == 401 and r.json()["error"]["message"] == "No token provided"
        assert r.headers["www-authenticate"] == 'Bearer realm="Encore"', headers
    for path in ("/v1/search?q=a&type=track", "/v1/tracks/" + "0" * 22):  # the raw path's reads too
        assert client.get(path).headers["www-authenticate"] == 'Bearer realm="Encore"', path
    r = client.get("/v1/me", headers=bearer("not-a-token"))
    assert r.status_code == 401 and r.headers["www-authenticate"] == 'Bearer realm="Encore", error="invalid_token"'


def test_refresh_rotates_and_the_old_refresh_token_dies(client: TestClient, app: App) -> None:
    token = user_token(client, app)
    data = {"grant_type": "refresh_token", "refresh_token": token["refresh_token"], "client_id": app.client_id}
    first = client.post("/api/token", data=data)
    assert first.status_code == 200 and first.json()["refresh_token"] != token["refresh_token"]
    assert client.get("/v1/me", headers=bearer(first.json()["access_token"])).status_code == 200
    again = client.post("/api/token", data=data)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


def test_revocation_endpoint(client: TestClient, app: App) -> None:
    token = user_token(client, app)
    r = client.post("/api/token/revoke", data={"token": token["access_token"], "client_id": app.client_id})
    assert r.status_code == 200
    gone = client.get("/v1/me", headers=bearer(token["access_token"]))
    # not "The access token expired": that tells a client to refresh, and its refresh token is revoked too
    assert gone.status_code == 401 and gone.json()["error"]["message"] == "Invalid access token: it was revoked"
    bad = client.post("/api/token/revoke", data={"token": "x"}, auth=(app.client_id, "wrong-secret"))
    assert bad.status_code == 401 and bad.json()["error"] == "invalid_client"


def test_client_credentials_reach_the_catalogue_only(client: TestClient, app: App) -> None:
    token = client_token(client, app)
    assert client.get("/v1/browse/new-releases", headers=bearer(token)).status_code == 200
    me = client.get("/v1/me", headers=bearer(token))
    assert me.status_code == 403 and me.json()["error"]["status"] == 403
    wrong = client.post("/api/token", data={"grant_type": "client_credentials"}, auth=(app.client_id, "nope"))
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"


@pytest.mark.parametrize(
    ("query", "form"),
    [
        ("client_id={id}&client_secret={secret}", {"grant_type": "client_credentials"}),  # a secret in the URL
        ("grant_type=client_credentials", {"client_id": "{id}", "client_secret": "{secret}"}),
        ("", [("grant_type", "client_credentials"), ("grant_type", "client_credentials"), ("client_id", "{id}")]),
        ("", [("grant_type", "client_credentials"), ("client_id", "{id}"), ("client_id", "{id}")]),
    ],
    ids=["secret-in-url", "grant-in-url", "grant-twice", "client-twice"],
)
def test_a_token_request_with_parameters_in_the_url_or_sent_twice_is_refused(
    client: TestClient, app: App, query: str, form: dict[str, str] | list[tuple[str, str]]
) -> None:
    def fill(text: str) -> str:
        return text.format(id=app.client_id, secret=app.client_secret)

    pairs = form.items() if isinstance(form, dict) else form
    body = [(name, fill(value)) for name, value in pairs]
    if ("client_secret", app.client_secret) not in body and "client_secret" not in query:
        body.append(("client_secret", app.client_secret))
    url = "/api/token" + (f"?{fill(query)}" if query else "")
    r = client.post(url, content=urlencode(body), headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 400 and r.json()["error"] == "invalid_request", r.text
    assert "access_token" not in r.json() and r.headers["cache-control"] == "no-store"
    assert client_token(client, app)  # the same client asking properly still gets its token


def test_a_revocation_with_the_token_in_the_url_is_refused_and_the_token_kept(client: TestClient, app: App) -> None:
    token = client_token(client, app)
    r = client.post(f"/api/token/revoke?token={token}", auth=(app.client_id, app.client_secret))
    assert r.status_code == 400 and r.json()["error"] == "invalid_request"
    assert client.get("/v1/browse/new-releases", headers=bearer(token)).status_code == 200


def test_secret_is_shown_once_and_stored_hashed(api: tuple[TestClient, Container], app: App) -> None:
    client, c = api
    listed = client.get("/api/developer/apps").json()
    assert [a["client_id"] for a in listed] == [app.client_id] and "client_secret" not in listed[0]
    with transaction(c.sessions) as s:
        row = s.scalar(select(OAuthApp).where(OAuthApp.client_id == app.client_id))
        assert row is not None and app.client_secret not in row.secret_hash and len(row.secret_hash) == 64
        token = client_token(client, app)
        assert all(token not in (t.access_hash, t.refresh_hash) for t in s.scalars(select(OAuthToken)))


def test_user_lists_and_revokes_granted_apps(client: TestClient, app: App) -> None:
    token = user_token(client, app, scope="user-top-read user-read-email")
    grants = client.get("/api/me/grants").json()
    assert grants == [
        {
            "client_id": app.client_id,
            "app_name": "Test app",
            "scopes": ["user-read-email", "user-top-read"],
            "granted_at": grants[0]["granted_at"],
        }
    ]
    assert client.delete(f"/api/me/grants/{app.client_id}", headers=CSRF).status_code == 204
    assert client.get("/api/me/grants").json() == []
    assert client.get("/v1/me", headers=bearer(token["access_token"])).status_code == 401
    refresh = client.post(
        "/api/token",
        data={"grant_type": "refresh_token", "refresh_token": token["refresh_token"], "client_id": app.client_id},
    )
    assert refresh.status_code == 400 and refresh.json()["error"] == "invalid_grant"


@pytest.mark.parametrize("client_id", ["never-granted", "nonexistent-client"])
def test_revoking_a_grant_never_given_is_not_found_and_logs_nothing(
    client: TestClient, app: App, client_id: str
) -> None:
    """probe24b F4: an app the caller never allowed answered 204 and wrote a revocation to their security log,
    while an unknown id answered 404, so the answer told which ids exist. Both are one 404 now, logging nothing."""
    target = app.client_id if client_id == "never-granted" else client_id
    r = client.delete(f"/api/me/grants/{target}", headers=CSRF)
    assert r.status_code == 404, r.text
    assert r.json()["error"] == {"code": "no_grant", "message": "no grant for that app"}
    user_token(client, app, scope="user-read-private")
    assert client.delete(f"/api/me/grants/{app.client_id}", headers=CSRF).status_code == 204
    assert client.delete(f"/api/me/grants/{app.client_id}", headers=CSRF).status_code == 404  # nothing left
    kinds = [e["kind"] for e in client.get("/api/me/security/events").json()["items"]]
    assert kinds.count("oauth.grant_revoked") == 1  # the one revocation that happened


def test_rate_limit_per_app_answers_429_with_retry_after(api: tuple[TestClient, Container], app: App) -> None:
    client, c = api
    with transaction(c.sessions) as s:
        row = s.scalar(select(OAuthApp).where(OAuthApp.client_id == app.client_id))
        assert row is not None
        row.rate_limit = 3
    other = register_app(client, name="Other app")
    token, other_token = client_token(client, app), client_token(client, other)
    answers = [client.get("/v1/browse/new-releases", headers=bearer(token)) for _ in range(4)]
    assert [r.status_code for r in answers] == [200, 200, 200, 429]
    assert answers[-1].json()["error"]["status"] == 429 and 1 <= int(answers[-1].headers["retry-after"]) <= 30
    assert client.get("/v1/browse/new-releases", headers=bearer(other_token)).status_code == 200
    usage = {a["client_id"]: a["request_count"] for a in client.get("/api/developer/apps").json()}
    assert usage == {app.client_id: 3, other.client_id: 1}


@pytest.mark.parametrize(
    "uris",
    [
        ["javascript:alert(1)"],
        ["http://127.0.0.1/cb\x00"],  # NUL is no space: it was stored (SQLite) or a 500 (PostgreSQL)
        ["https://x.example/c\u200bb"],
        ["http://example.com/cb"],
        ["https://x.example/cb#frag"],
        [],
        ["ftp://x/cb"],
        ["https://exämple.com/cb"],  # review17: registered, then refused at every authorization
        ['https://app.example/cb?next="x"'],
        ["https://app.example/a\\b"],
        ["https://[::1/cb"],  # probe17b: urlsplit raised, a 500 with the connection reset
        ["https://app.example:99999/cb"],
    ],
    ids=[
        "javascript",
        "nul",
        "zero-width",
        "plain-http-remote",
        "fragment",
        "none",
        "ftp",
        "non-ascii",
        "quote",
        "backslash",
        "ipv6-unclosed",
        "port-out-of-range",
    ],
)
def test_bad_redirect_uris_are_refused_at_registration(client: TestClient, uris: list[str]) -> None:
    r = client.post("/api/developer/apps", json={"name": "x", "redirect_uris": uris}, headers=CSRF)
    assert r.status_code in (400, 422) and r.json()["error"]["code"] in ("bad_redirect_uri", "invalid")


@pytest.mark.parametrize(
    "uri", ["https://*.evil.example/cb", "https://app.example/*", "http://127.0.0.1:8765/cb?next=*", "*"]
)
def test_a_wildcard_redirect_uri_is_refused_with_the_reason(client: TestClient, uri: str) -> None:
    """probe15: `https://*.evil.example/cb` was registered (201). Harmless, since only the same string matches,
    but it looked like a wildcard that would work; the developer now learns at once that matching is exact."""
    r = client.post("/api/developer/apps", json={"name": "x", "redirect_uris": [REDIRECT, uri]}, headers=CSRF)
    assert r.status_code == 400, r.text
    error = r.json()["error"]
    assert error["code"] == "bad_redirect_uri" and "exactly" in error["message"] and uri in error["message"]
    assert client.get("/api/developer/apps").json() == []


def _refresh(client: TestClient, app: App, refresh_token: object, *, secret: bool) -> tuple[int, dict[str, object]]:
    data = {"grant_type": "refresh_token", "refresh_token": str(refresh_token), "client_id": app.client_id}
    if secret:
        data["client_secret"] = app.client_secret
    r = client.post("/api/token", data=data)
    return r.status_code, r.json()


def test_a_grant_exchanged_with_the_secret_refreshes_only_with_the_secret(client: TestClient, app: App) -> None:
    """#15 hole 9: a leaked refresh token of a confidential client was enough on its own."""
    verifier, challenge = pkce()
    first = _exchange(client, app, _code(client, app, challenge), verifier, client_secret=app.client_secret)
    assert first["status"] == 200
    status, body = _refresh(client, app, first["refresh_token"], secret=False)
    assert status == 400 and body["error"] == "invalid_grant"
    status, body = _refresh(client, app, first["refresh_token"], secret=True)
    assert status == 200
    status, body = _refresh(client, app, body["refresh_token"], secret=False)  # and so on down the chain
    assert status == 400 and body["error"] == "invalid_grant"


def test_a_pkce_grant_without_the_secret_refreshes_with_client_id_alone(client: TestClient, app: App) -> None:
    token = user_token(client, app)  # PKCE, no secret: what spotipy's SpotifyPKCE does
    status, body = _refresh(client, app, token["refresh_token"], secret=False)
    assert status == 200
    status, _ = _refresh(client, app, body["refresh_token"], secret=False)
    assert status == 200


def test_a_replayed_code_revokes_the_tokens_refreshed_from_it(client: TestClient, app: App) -> None:
    verifier, challenge = pkce()
    code = _code(client, app, challenge)
    first = _exchange(client, app, code, verifier)
    status, refreshed = _refresh(client, app, first["refresh_token"], secret=False)
    assert status == 200
    status, twice = _refresh(client, app, refreshed["refresh_token"], secret=False)
    assert status == 200 and client.get("/v1/me", headers=bearer(str(twice["access_token"]))).status_code == 200
    assert _exchange(client, app, code, verifier)["error"] == "invalid_grant"  # the replay
    assert client.get("/v1/me", headers=bearer(str(twice["access_token"]))).status_code == 401
    status, body = _refresh(client, app, twice["refresh_token"], secret=False)
    assert status == 400 and body["error"] == "invalid_grant"


def test_playlist_modify_private_cannot_publish_a_private_playlist(client: TestClient, app: App) -> None:
    both = user_token(client, app, scope="playlist-modify-private playlist-modify-public")["access_token"]
    made = client.post("/v1/me/playlists", json={"name": "Diary", "public": False}, headers=bearer(both))
    assert made.status_code == 201, made.text
    playlist = made.json()["id"]
    private_only = user_token(client, app, scope="playlist-modify-private")["access_token"]
    r = client.put(f"/v1/playlists/{playlist}", json={"public": True}, headers=bearer(private_only))
    assert r.status_code == 403 and "playlist-modify-public" in r.json()["error"]["message"]
    assert (
        client.put(
            f"/v1/playlists/{playlist}", json={"name": "Still private"}, headers=bearer(private_only)
        ).status_code
        == 200
    )
    assert client.put(f"/v1/playlists/{playlist}", json={"public": True}, headers=bearer(both)).status_code == 200


def test_malformed_requests_count_in_the_apps_rate_window(api: tuple[TestClient, Container], app: App) -> None:
    """A request refused for its parameters passed the same gate as a read: it is counted, and once the window
    is full it is 429, not 400 (an app sending malformed ids cannot use the API past its limit)."""
    client, c = api
    with transaction(c.sessions) as s:
        row = s.scalar(select(OAuthApp).where(OAuthApp.client_id == app.client_id))
        assert row is not None
        row.rate_limit = 3
    token = client_token(client, app)
    answers = [client.get("/v1/tracks/not-an-id", headers=bearer(token)) for _ in range(4)]
    assert [r.status_code for r in answers] == [400, 400, 400, 429]
    assert answers[-1].json()["error"]["status"] == 429 and 1 <= int(answers[-1].headers["retry-after"]) <= 30
    assert client.get("/v1/search?q=a&type=nothing", headers=bearer(token)).status_code == 429
    assert client.get("/v1/browse/new-releases?limit=0", headers=bearer(token)).status_code == 429
    assert client.get("/v1/tracks/not-an-id", headers=bearer("not-a-token")).status_code == 401  # who first


def test_a_replayed_refresh_token_revokes_every_token_of_its_grant(
    client: TestClient, app: App, clock: FixedClock
) -> None:
    """probe15 F2 (RFC 9700 §4.14.2): a thief refreshes with a stolen refresh token first; when the app's own copy
    comes back, the server cannot tell which of the two is the thief, so the whole grant stops and the listener
    signs in again. The replay used to get invalid_grant while the thief's new tokens went on working."""
    other = user_token(client, app)  # another grant of the same app: not part of the theft
    token = user_token(client, app)
    status, stolen = _refresh(client, app, token["refresh_token"], secret=False)
    assert status == 200
    status, onward = _refresh(client, app, stolen["refresh_token"], secret=False)  # and the thief goes on
    assert status == 200
    clock.advance(60)
    status, body = _refresh(client, app, token["refresh_token"], secret=False)  # the app's own copy
    assert status == 400 and body["error"] == "invalid_grant" and "revoked" in str(body["error_description"])
    for access in (stolen["access_token"], onward["access_token"]):
        r = client.get("/v1/me", headers=bearer(str(access)))
        assert r.status_code == 401 and r.json()["error"]["message"] == "Invalid access token: it was revoked"
    status, body = _refresh(client, app, onward["refresh_token"], secret=False)
    assert status == 400 and body["error"] == "invalid_grant"
    assert client.get("/v1/me", headers=bearer(other["access_token"])).status_code == 200
    assert _refresh(client, app, other["refresh_token"], secret=False)[0] == 200


def test_a_second_refresh_with_one_token_right_after_the_first_keeps_the_first_ones_tokens(
    client: TestClient, app: App, clock: FixedClock
) -> None:
    """Within ROTATION_RACE of the rotation a second use of the same refresh token is taken for the app racing
    itself (two threads, two processes on one token cache): refused, the first's tokens kept. After it, the same
    use is a replay and ends the grant."""
    token = user_token(client, app)
    status, first = _refresh(client, app, token["refresh_token"], secret=False)
    assert status == 200
    clock.advance(ROTATION_RACE.total_seconds() - 1)
    status, body = _refresh(client, app, token["refresh_token"], secret=False)
    assert status == 400 and body["error"] == "invalid_grant" and "another request" in str(body["error_description"])
    assert client.get("/v1/me", headers=bearer(str(first["access_token"]))).status_code == 200
    clock.advance(2)
    status, body = _refresh(client, app, token["refresh_token"], secret=False)
    assert status == 400 and body["error"] == "invalid_grant"
    assert client.get("/v1/me", headers=bearer(str(first["access_token"]))).status_code == 401


RACERS = 6


def test_refreshes_racing_with_one_token_get_one_new_pair_and_the_grant_lives(served: LiveServer) -> None:
    """Several requests refresh with one token at the same moment, over real HTTP: exactly one gets a new pair,
    the others invalid_grant, none a 500, and the winner's tokens work (no second live chain, no lock-out).
    Whether they meet in the database (the claim decides) or follow one another (the race window), the answers
    are the same: the clock stands still."""
    with httpx.Client(base_url=served.base_url, timeout=60) as http:
        login(http, "alice", PASSWORD)
        app = register_app(http)
        token = user_token(http, app)
    data = {"grant_type": "refresh_token", "refresh_token": token["refresh_token"], "client_id": app.client_id}
    ready = threading.Barrier(RACERS)

    def refresh(_: int) -> httpx.Response:
        with httpx.Client(base_url=served.base_url, timeout=60) as own:
            ready.wait(timeout=60)
            return own.post("/api/token", data=data)

    with ThreadPoolExecutor(RACERS) as pool:
        answers = list(pool.map(refresh, range(RACERS)))
    won = [r.json() for r in answers if r.status_code == 200]
    assert len(won) == 1, [r.text for r in answers]
    assert all(r.json()["error"] == "invalid_grant" for r in answers if r.status_code != 200), [r.text for r in answers]
    with httpx.Client(base_url=served.base_url, timeout=60) as http:
        assert http.get("/v1/me", headers=bearer(won[0]["access_token"])).status_code == 200
        assert http.post("/api/token", data={**data, "refresh_token": won[0]["refresh_token"]}).status_code == 200


def test_spotipy_refreshing_after_a_thief_did_ends_the_thiefs_tokens(served: LiveServer, clock: FixedClock) -> None:
    """probe15 F2 with spotipy from PyPI: its refresh token is stolen and used first; spotipy's own refresh is
    refused (invalid_grant), and the thief's access token stops working with it."""
    with httpx.Client(base_url=served.base_url, timeout=60) as http:
        login(http, "alice", PASSWORD)
        sp = pkce_client(served, http, scope="user-read-private user-read-email")
        assert sp.current_user()["email"] == "alice@example.org"
        auth = sp.auth_manager
        cached = auth.cache_handler.get_cached_token()
        stolen = http.post(
            "/api/token",
            data={"grant_type": "refresh_token", "refresh_token": cached["refresh_token"], "client_id": auth.client_id},
        )
        assert stolen.status_code == 200
        thief = bearer(stolen.json()["access_token"])
        assert http.get("/v1/me", headers=thief).status_code == 200
        clock.advance(60)
        auth.cache_handler.save_token_to_cache({**cached, "expires_at": 0})  # spotipy's own clock: time to refresh
        with pytest.raises(spotipy.SpotifyOauthError) as refused:
            sp.current_user()
        assert refused.value.error == "invalid_grant"
        assert http.get("/v1/me", headers=thief).status_code == 401


def test_a_token_issued_with_the_secret_is_revoked_only_with_the_secret(client: TestClient, app: App) -> None:
    """probe15 F3 (RFC 7009 §2.1): the client authenticates at the revocation endpoint as at the token endpoint,
    where a grant exchanged with the secret refreshes only with it; client_id alone used to revoke it."""
    verifier, challenge = pkce()
    token = _exchange(client, app, _code(client, app, challenge), verifier, client_secret=app.client_secret)
    access = str(token["access_token"])
    for sent in (access, str(token["refresh_token"])):
        r = client.post("/api/token/revoke", data={"token": sent, "client_id": app.client_id})
        assert r.status_code == 401 and r.json()["error"] == "invalid_client", r.text
    assert client.get("/v1/me", headers=bearer(access)).status_code == 200
    revoked = client.post("/api/token/revoke", data={"token": access}, auth=(app.client_id, app.client_secret))
    assert revoked.status_code == 200 and revoked.json() == {}
    gone = client.get("/v1/me", headers=bearer(access))
    assert gone.status_code == 401 and gone.json() == {
        "error": {"status": 401, "message": "Invalid access token: it was revoked"}
    }
    assert 'error="invalid_token"' in gone.headers["www-authenticate"]
