"""The revocation endpoint (RFC 7009): an app ends one of its tokens, access or refresh."""

from typing import TYPE_CHECKING

from authlib.oauth2.rfc6749 import InvalidClientError
from authlib.oauth2.rfc7009 import RevocationEndpoint
from sqlalchemy import select

from encore.oauth._adapters import PUBLIC_OR_SECRET, CallRequest, Client, Token
from encore.oauth._apps import sha256
from encore.oauth._models import OAuthToken

if TYPE_CHECKING:
    from encore.oauth._server import EncoreAuthServer


class Revocation(RevocationEndpoint):  # type: ignore[misc]
    CLIENT_AUTH_METHODS = PUBLIC_OR_SECRET
    server: "EncoreAuthServer"

    def query_token(self, token_string: str, token_type_hint: str | None) -> Token | None:
        digest = sha256(token_string)
        row = self.server.session.scalar(
            select(OAuthToken).where((OAuthToken.access_hash == digest) | (OAuthToken.refresh_hash == digest))
        )
        return Token(row, self.server.now) if row is not None else None

    def authenticate_token(self, request: CallRequest, client: Client) -> Token | None:
        token: Token | None = super().authenticate_token(request, client)
        if token is not None and token.row.with_secret and request.auth_method == "none":
            # RFC 7009 §2.1: the client authenticates as at the token endpoint, where this grant needs the secret
            raise InvalidClientError(
                status_code=401, description="this token was issued with the client secret: revoking it needs it too"
            )
        return token

    def revoke_token(self, token: Token, request: CallRequest) -> None:
        token.row.revoked = True
        self.server.revoked.append(token.row)
