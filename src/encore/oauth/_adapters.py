"""Encore's requests and rows as authlib sees them: the call, the reply, the client, a code, a token.

Shared by the server (`_server`), the refresh grant (`_refresh`) and the revocation endpoint (`_revocation`)."""

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from authlib.oauth2.rfc6749 import ClientMixin, OAuth2Payload, OAuth2Request, TokenMixin

from encore.oauth._apps import sha256, uris_of
from encore.oauth._models import OAuthApp, OAuthCode, OAuthToken
from encore.oauth._policy import redirect_matches
from encore.oauth._scopes import decide_scopes

PUBLIC_OR_SECRET = ["client_secret_basic", "client_secret_post", "none"]


@dataclass(frozen=True)
class HttpCall:
    method: str
    url: str
    headers: Mapping[str, str]
    params: Mapping[str, list[str]] = field(default_factory=dict)  # query and form, merged


@dataclass(frozen=True)
class OAuthReply:
    status: int
    body: dict[str, Any]
    headers: list[tuple[str, str]]

    @property
    def location(self) -> str | None:
        return dict(self.headers).get("Location")


@dataclass(frozen=True)
class GrantingUser:
    id: int

    def get_user_id(self) -> int:
        return self.id


class Payload(OAuth2Payload):  # type: ignore[misc]
    def __init__(self, params: Mapping[str, list[str]]) -> None:
        self._lists = defaultdict(list, {k: list(v) for k, v in params.items()})

    @property
    def data(self) -> dict[str, str]:
        return {k: v[0] for k, v in self._lists.items() if v}

    @property
    def datalist(self) -> defaultdict[str, list[str]]:
        return self._lists


class CallRequest(OAuth2Request):  # type: ignore[misc]
    def __init__(self, call: HttpCall) -> None:
        super().__init__(method=call.method, uri=call.url, headers=dict(call.headers))
        self.payload = Payload(call.params)

    @property
    def args(self) -> dict[str, str]:
        return self.payload.data

    @property
    def form(self) -> dict[str, str]:
        return self.payload.data


class Client(ClientMixin):  # type: ignore[misc]
    def __init__(self, app: OAuthApp) -> None:
        self.app = app

    def get_client_id(self) -> str:
        return self.app.client_id

    def get_default_redirect_uri(self) -> None:
        return None  # a redirect_uri must always be given, and match exactly

    def get_allowed_scope(self, scope: str | None) -> str:
        return decide_scopes(scope).token_scope

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_matches(uris_of(self.app), redirect_uri)

    def check_client_secret(self, client_secret: str) -> bool:
        import hmac

        return hmac.compare_digest(sha256(client_secret), self.app.secret_hash)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method in PUBLIC_OR_SECRET

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in ("authorization_code", "refresh_token", "client_credentials")


class Code:
    def __init__(self, row: OAuthCode) -> None:
        self.row = row

    def get_redirect_uri(self) -> str:
        return self.row.redirect_uri

    def get_scope(self) -> str:
        return self.row.scope


class Token(TokenMixin):  # type: ignore[misc]
    def __init__(self, row: OAuthToken, now: datetime) -> None:
        self.row, self.now = row, now

    def check_client(self, client: Client) -> bool:
        return self.row.app_id == client.app.id

    def get_scope(self) -> str:
        return self.row.scope

    def get_expires_in(self) -> int:
        return self.row.expires_in

    def is_expired(self) -> bool:
        return self.now >= self.row.issued_at + timedelta(seconds=self.row.expires_in)

    def is_revoked(self) -> bool:
        return self.row.revoked
