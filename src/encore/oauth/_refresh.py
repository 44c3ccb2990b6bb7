"""The refresh-token grant: rotation (every refresh returns a new refresh token and claims the old one), and a
replayed refresh token revoking its whole grant (RFC 9700 §4.14.2), serialised on the grant's code row."""

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from authlib.oauth2.rfc6749 import InvalidGrantError, grants
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from encore.oauth._adapters import PUBLIC_OR_SECRET, GrantingUser, Token
from encore.oauth._apps import sha256
from encore.oauth._models import OAuthCode, OAuthToken
from encore.oauth._policy import replayed_refresh

if TYPE_CHECKING:
    from encore.oauth._server import EncoreAuthServer


@dataclass(frozen=True)
class GrantReplayed:
    """A grant whose live tokens were revoked because one of its credentials came back after it was spent (a
    rotated refresh token, or a used code): what an operator reads in the audit log."""

    client_id: str
    user_id: int | None
    credential: str  # "refresh_token" or "code"
    tokens_revoked: int
    reason: str
    rotated_at: datetime | None = None  # when the replayed refresh token's successor was issued


def lock_grant(session: Session, code_id: int | None) -> None:
    """Serialise a grant's refreshes and its replay revocation on its code's row (PostgreSQL; SQLite has one
    writer anyway): the revocation's UPDATE otherwise waited on the old token's row and then missed the token a
    racing refresh had just inserted, outside its snapshot (review15), and the thief kept it."""
    if code_id is not None:
        session.execute(select(OAuthCode.id).where(OAuthCode.id == code_id).with_for_update())


class RefreshGrant(grants.RefreshTokenGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = PUBLIC_OR_SECRET
    INCLUDE_NEW_REFRESH_TOKEN = True  # rotation: every refresh returns a new refresh token
    server: "EncoreAuthServer"

    def authenticate_refresh_token(self, refresh_token: str) -> Token | None:
        row = self.server.session.scalar(select(OAuthToken).where(OAuthToken.refresh_hash == sha256(refresh_token)))
        if row is None or row.refresh_expires_at is None or self.server.now >= row.refresh_expires_at:
            return None
        if row.with_secret and self.request.auth_method == "none":
            return None  # obtained with the secret, refreshed only with it: a leaked refresh token is not enough
        token = Token(row, self.server.now)
        if row.revoked and token.check_client(self.request.client):
            self._replayed(row)
        return None if row.revoked else token

    def _replayed(self, row: OAuthToken) -> None:
        """A dead refresh token came back from its own client: its grant leaked, unless the client is racing
        itself (`replayed_refresh`). Raises invalid_grant, after revoking the family if so decided; a revocation
        that ended live tokens is reported to the server (`replays`) for the audit log."""
        s = self.server.session
        lock_grant(s, row.code_id)  # a refresh of the family in flight commits first: its new token is revoked too
        family = OAuthToken.code_id == row.code_id if row.code_id is not None else OAuthToken.id == row.id
        rotated_at = s.scalar(
            select(OAuthToken.issued_at).where(family, OAuthToken.id > row.id).order_by(OAuthToken.id).limit(1)
        )
        replay = replayed_refresh(rotated_at=rotated_at, now=self.server.now)
        if replay.revoke_family:
            live = OAuthToken.revoked.is_(False)
            ended = s.scalars(update(OAuthToken).where(family, live).values(revoked=True).returning(OAuthToken.id))
            if revoked := len(ended.all()):  # a grant already dead is not news: replaying it again writes nothing
                client_id = self.request.client.get_client_id()
                self.server.replays.append(
                    GrantReplayed(client_id, row.user_id, "refresh_token", revoked, replay.reason, rotated_at)
                )
        raise InvalidGrantError(description=replay.reason)

    def authenticate_user(self, refresh_token: Token) -> GrantingUser | None:
        return GrantingUser(refresh_token.row.user_id) if refresh_token.row.user_id is not None else None

    def save_token(self, token: dict[str, Any]) -> None:
        """Claim the old refresh token before its successor is saved: one conditional UPDATE, so of two refreshes
        racing with one token (read live by both) only one gets a successor; the other waits on the row (or on
        SQLite's write lock), finds it taken, and is refused as `replayed_refresh`'s race, nothing saved."""
        old: Token = self.request.refresh_token
        lock_grant(self.server.session, old.row.code_id)
        claimed = self.server.session.scalar(
            update(OAuthToken)
            .where(OAuthToken.id == old.row.id, OAuthToken.revoked.is_(False))
            .values(revoked=True)
            .returning(OAuthToken.id)
        )
        if claimed is None:
            raced = replayed_refresh(rotated_at=self.server.now, now=self.server.now)
            raise InvalidGrantError(description=raced.reason)
        super().save_token(token)

    def revoke_old_credential(self, refresh_token: Token) -> None:
        return None  # `save_token` revoked it already, before the new token existed
