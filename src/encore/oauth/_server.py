"""The OAuth 2.0 authorization server: authlib's framework-agnostic grants over Encore's tables.

The web face turns its request into an `HttpCall` and gets back an `OAuthReply`; nothing here knows
FastAPI. One server object per request, bound to that request's session and clock. The refresh grant is in
`_refresh`, the revocation endpoint in `_revocation`, authlib's views of Encore's rows in `_adapters`.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from authlib.common.urls import add_params_to_uri
from authlib.oauth2.rfc6749 import (
    AuthorizationServer,
    InsecureTransportError,
    InvalidGrantError,
    InvalidScopeError,
    OAuth2Error,
    UnsupportedResponseTypeError,
    grants,
)
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc7636.challenge import compare_s256_code_challenge
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from encore.accounts import User, issue_epoch
from encore.kernel import EncoreError, new_secret_token
from encore.oauth._adapters import (
    PUBLIC_OR_SECRET,
    CallRequest,
    Client,
    Code,
    GrantingUser,
    HttpCall,
    OAuthReply,
    Token,
)
from encore.oauth._apps import sha256
from encore.oauth._models import OAuthApp, OAuthCode, OAuthToken
from encore.oauth._policy import basic_credentials_problem, parameter_problem, token_call_problem
from encore.oauth._refresh import GrantReplayed, RefreshGrant
from encore.oauth._revocation import Revocation
from encore.oauth._scopes import SCOPES, SPOTIFY_ONLY, decide_scopes

ACCESS_TTL_S = 3600
REFRESH_TTL = timedelta(days=60)
CODE_TTL = timedelta(minutes=10)


class S256Only(CodeChallenge):  # type: ignore[misc]
    DEFAULT_CODE_CHALLENGE_METHOD = "S256"
    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]  # noqa: RUF012 - authlib's class attribute
    CODE_CHALLENGE_METHODS = {"S256": compare_s256_code_challenge}  # noqa: RUF012

    def get_authorization_code_challenge(self, authorization_code: Code) -> str | None:
        return authorization_code.row.code_challenge

    def get_authorization_code_challenge_method(self, authorization_code: Code) -> str | None:
        return authorization_code.row.code_challenge_method


class _CodeGrant(grants.AuthorizationCodeGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = PUBLIC_OR_SECRET
    server: "EncoreAuthServer"

    def save_authorization_code(self, code: str, request: CallRequest) -> None:
        data = request.payload.data
        now = self.server.now
        self.server.session.add(
            OAuthCode(
                code_hash=sha256(code),
                app_id=request.client.app.id,
                user_id=request.user.id,
                redirect_uri=request.payload.redirect_uri,
                scope=request.client.get_allowed_scope(request.payload.scope),
                code_challenge=data.get("code_challenge"),
                code_challenge_method="S256" if data.get("code_challenge") else None,
                created_at=now,
                expires_at=now + CODE_TTL,
            )
        )
        self.server.session.flush()

    def query_authorization_code(self, code: str, client: Client) -> Code | None:
        s, now = self.server.session, self.server.now
        row = s.scalar(select(OAuthCode).where(OAuthCode.code_hash == sha256(code), OAuthCode.app_id == client.app.id))
        if row is None or now >= row.expires_at:
            return None
        if row.used_at is not None:
            self._replayed(row, client)
            return None
        return Code(row)

    def _replayed(self, row: OAuthCode, client: Client) -> None:
        """A replayed code means it leaked: whatever it issued stops working (RFC 6749 §4.1.2)."""
        live = (OAuthToken.code_id == row.id) & OAuthToken.revoked.is_(False)
        s = self.server.session
        ended = s.scalars(update(OAuthToken).where(live).values(revoked=True).returning(OAuthToken.id)).all()
        if ended:
            reason = "this authorization code was already used: every token it issued is revoked"
            self.server.replays.append(GrantReplayed(client.app.client_id, row.user_id, "code", len(ended), reason))

    def authenticate_user(self, authorization_code: Code) -> GrantingUser:
        """Claim the code before any token is made, by one conditional UPDATE: on SQLite the read above is outside
        any transaction, so five exchanges of one code at once each found it unused and got tokens (probe16 F6).
        The exchange that finds it claimed is a replay."""
        row = authorization_code.row
        claimed = self.server.session.execute(
            update(OAuthCode)
            .where(OAuthCode.id == row.id, OAuthCode.used_at.is_(None))
            .values(used_at=self.server.now),
            execution_options={"synchronize_session": False},
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            self._replayed(row, self.request.client)
            raise InvalidGrantError(description="this authorization code was already used")
        return GrantingUser(row.user_id)

    def delete_authorization_code(self, authorization_code: Code) -> None:
        """Nothing left to do: `authenticate_user` claimed the code."""


class _ClientCredentialsGrant(grants.ClientCredentialsGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]  # noqa: RUF012


class EncoreAuthServer(AuthorizationServer):  # type: ignore[misc]
    def __init__(self, session: Session, now: datetime) -> None:
        super().__init__(scopes_supported=[*SCOPES, *sorted(SPOTIFY_ONLY)])
        self.session, self.now = session, now
        self.revoked: list[OAuthToken] = []  # what the revocation endpoint revoked in this call
        self.replays: list[GrantReplayed] = []  # grants a replayed code or refresh token revoked in this call
        self.register_token_generator(
            "default",
            BearerTokenGenerator(
                access_token_generator=lambda **_: new_secret_token(),
                refresh_token_generator=lambda **_: new_secret_token(),
                expires_generator=lambda *_: ACCESS_TTL_S,
            ),
        )
        self.register_grant(_CodeGrant, [S256Only(required=True)])
        self.register_grant(RefreshGrant)
        self.register_grant(_ClientCredentialsGrant)
        self.register_endpoint(Revocation)

    def validate_requested_scope(self, scope: str | None) -> None:
        """Refuse unknown words by name; Spotify's scopes Encore cannot serve pass, named in the token's scope
        with nothing behind them (`Client.get_allowed_scope`): `decide_scopes` holds the decision and its reasons."""
        decision = decide_scopes(scope)
        if decision.unknown:
            raise InvalidScopeError(description=decision.reason)

    def query_client(self, client_id: str) -> Client | None:
        # an app whose owner is stopped (deletion asked, or disabled) is as if deleted: no consent, code,
        # refresh or client-credentials token (probe19 F6)
        app = self.session.scalar(
            select(OAuthApp)
            .join(User, User.id == OAuthApp.owner_id)
            .where(OAuthApp.client_id == str(client_id)[:32], User.is_active)
        )
        return Client(app) if app is not None else None

    def save_token(self, token: dict[str, Any], request: CallRequest) -> None:
        code = request.authorization_code
        refresh = token.get("refresh_token")
        previous: Token | None = getattr(request, "refresh_token", None)  # set by the refresh grant
        if code is not None:
            code_id, with_secret = code.row.id, request.auth_method != "none"
        elif previous is not None:
            code_id, with_secret = previous.row.code_id, previous.row.with_secret
        else:  # client credentials: always the secret, no code
            code_id, with_secret = None, True
        self.session.add(
            OAuthToken(
                access_hash=sha256(token["access_token"]),
                refresh_hash=sha256(refresh) if refresh else None,
                app_id=request.client.app.id,
                user_id=request.user.id if request.user is not None else None,
                code_id=code_id,
                with_secret=with_secret,
                scope=token.get("scope", ""),
                issued_at=self.now,
                expires_in=int(token["expires_in"]),
                refresh_expires_at=self.now + REFRESH_TTL if refresh else None,
                revoked=False,
                epoch=issue_epoch(self.session),
            )
        )
        self.session.flush()

    def create_oauth2_request(self, request: HttpCall | CallRequest) -> CallRequest:
        if isinstance(request, CallRequest):
            return request
        try:
            return CallRequest(request)
        except InsecureTransportError as error:  # raised outside authlib's own error handling: was a 500
            raise OAuthProblem(error.error, INSECURE_TRANSPORT, None) from error

    def handle_response(self, status: int, body: Any, headers: list[tuple[str, str]]) -> OAuthReply:
        return OAuthReply(status, body if isinstance(body, dict) else {}, list(headers))

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        return None


@dataclass(frozen=True)
class ConsentRequest:
    """A checked /authorize request, ready for the consent page."""

    client_id: str
    app_name: str
    scopes: list[str]
    redirect_uri: str
    # The client's own CSRF check, echoed unchanged; RFC 6749 §4.1.1 makes it RECOMMENDED, not required, and
    # Spotify's accounts service takes a request without it, as spotipy sends by default (probe22 F5).
    state: str | None
    grant: Any  # authlib's grant, handed back to `authorize`
    not_granted: list[str] = field(default_factory=list)  # Spotify scopes asked for that Encore cannot serve


def _described(error: OAuth2Error) -> str:
    if isinstance(error, UnsupportedResponseTypeError):  # authlib passes its sentence as the response type
        return "response_type must be code (the authorization code flow; PKCE for apps without a secret)"
    return str(error.get_error_description() or error.error)


def check_authorization(session: Session, *, call: HttpCall, user_id: int, now: datetime) -> ConsentRequest:
    """Validate an /authorize request before showing consent. Raises OAuthProblem on a bad request."""
    if problem := parameter_problem(call.params):
        raise OAuthProblem("invalid_request", problem, None)  # never redirected: the redirect URI may be the culprit
    server = EncoreAuthServer(session, now)
    try:
        grant = server.get_consent_grant(call, end_user=GrantingUser(user_id))
    except OAuth2Error as error:
        raise OAuthProblem(error.error, _described(error), error.redirect_uri) from error
    client: Client = grant.client
    decided = decide_scopes(grant.request.payload.scope)
    return ConsentRequest(
        client.app.client_id,
        client.app.name,
        decided.granted,
        grant.redirect_uri,
        grant.request.payload.state,
        grant,
        decided.not_granted,
    )


def scope_refused_redirect(session: Session, *, call: HttpCall, now: datetime) -> str | None:
    """RFC 6749 §4.1.2.1: a request naming a word that is no scope goes back to the app, at its registered redirect
    URI, with error=invalid_scope (and its `state`), as a denial goes back with access_denied; its developer's code
    sees it there (review32c L7: it stopped on Encore's page). Only for a known app and one of its registered URIs,
    each given once; otherwise None, and the page explains (a redirect then could be sent anywhere)."""
    params = call.params
    given = {name: values[0] for name, values in params.items() if len(values) == 1}
    if parameter_problem(params) or any(len(params.get(n, [])) > 1 for n in ("client_id", "redirect_uri", "state")):
        return None
    decision = decide_scopes(given.get("scope"))
    client = EncoreAuthServer(session, now).query_client(given.get("client_id", ""))
    redirect_uri = given.get("redirect_uri", "")
    if not decision.unknown or client is None or not redirect_uri or not client.check_redirect_uri(redirect_uri):
        return None
    if given.get("response_type") != "code":  # §4.1.2.1 names that error first (review32e L2): the page explains it
        return None
    answer = [("error", "invalid_scope"), ("error_description", decision.reason)]
    if "state" in given:
        answer.append(("state", given["state"]))
    location: str = add_params_to_uri(redirect_uri, answer)
    return location


def authorize(session: Session, *, call: HttpCall, user_id: int, approved: bool, now: datetime) -> OAuthReply:
    """The user's answer on the consent page: a redirect carrying a code (or access_denied), and `state` if sent."""
    if problem := parameter_problem(call.params):
        raise OAuthProblem("invalid_request", problem, None)
    server = EncoreAuthServer(session, now)
    request = server.create_oauth2_request(call)
    request.user = GrantingUser(user_id)
    grant = server.get_authorization_grant(request)
    reply: OAuthReply = server.create_authorization_response(
        request, grant_user=GrantingUser(user_id) if approved else None, grant=grant
    )
    return reply


def _header(call: HttpCall, name: str) -> str | None:
    return next((value for key, value in call.headers.items() if key.lower() == name), None)


def _refused(call: HttpCall) -> OAuthReply | None:
    """RFC 6749's invalid_request for a token call whose parameters are in the URL or sent twice."""
    problem = token_call_problem(call.url, call.params) or basic_credentials_problem(_header(call, "authorization"))
    if problem is None:
        return None
    body = {"error": "invalid_request", "error_description": problem}
    return OAuthReply(400, body, [("Cache-Control", "no-store"), ("Pragma", "no-cache")])


def token_endpoint(
    session: Session, *, call: HttpCall, now: datetime, replays: list[GrantReplayed] | None = None
) -> OAuthReply:
    """RFC 6749 §3.2; a grant revoked because a spent code or refresh token came back is appended to `replays`
    (the web edge audits it; its revocation is committed with the 400 that refuses the replay)."""
    if refused := _refused(call):
        return refused
    server = EncoreAuthServer(session, now)
    reply: OAuthReply = server.create_token_response(call)
    if replays is not None:
        replays.extend(server.replays)
    if reply.status == 200 and "access_token" in reply.body:
        # Always the granted scope, "" included (authlib leaves an empty one out): RFC 6749 §5.1 requires it
        # when it differs from what was asked (`decide_scopes` may leave some out), and Spotify always sends it.
        reply.body.setdefault("scope", "")
    return reply


def revocation_endpoint(
    session: Session, *, call: HttpCall, now: datetime, revoked: list[OAuthToken] | None = None
) -> OAuthReply:
    """RFC 7009; the tokens it revoked are appended to `revoked` (the web edge audits them)."""
    if refused := _refused(call):
        return refused
    server = EncoreAuthServer(session, now)
    reply: OAuthReply = server.create_endpoint_response("revocation", call)
    if revoked is not None:
        revoked.extend(server.revoked)
    return reply


INSECURE_TRANSPORT = (
    "OAuth 2 needs https: serve Encore over TLS (behind a proxy, pass its X-Forwarded-Proto), or from localhost"
)


class OAuthProblem(EncoreError):
    """An authorization request too broken to redirect back (unknown client, unregistered redirect URI)."""

    def __init__(self, error: str, description: str, redirect_uri: str | None) -> None:
        super().__init__(description, code=error)
        self.error, self.description, self.redirect_uri = error, description, redirect_uri
