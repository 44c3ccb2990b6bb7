"""The set-up the OAuth service tests share (no HTTP): alice consents to a public client (PKCE)."""

from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import parse_qs

from encore.accounts import create_user
from encore.bootstrap import Container
from encore.db import transaction
from encore.oauth import HttpCall, authorize, register_app
from tests.web.spotify.flows import REDIRECT, App, authorize_query, code_from, pkce

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Consent:
    client_id: str
    code: str  # the authorization code the consent redirected with
    verifier: str  # the PKCE verifier that redeems it

    def exchange(self) -> dict[str, str]:
        """The token request's parameters that redeem the code."""
        return {"grant_type": "authorization_code", "code": self.code, "redirect_uri": REDIRECT,
                "client_id": self.client_id, "code_verifier": self.verifier}  # fmt: skip


def consented(c: Container) -> Consent:
    """alice registers a public client and consents to it (`user-read-private`); nothing is exchanged yet."""
    with transaction(c.sessions) as s:
        alice = create_user(s, username="alice", password="listener-pass-1")
        made = register_app(s, owner_id=alice.id, name="App", redirect_uris=[REDIRECT], now=NOW)
        alice_id, client_id = alice.id, made.app.client_id
    verifier, challenge = pkce()
    query = authorize_query(App(client_id, ""), scope="user-read-private", challenge=challenge)
    asked = HttpCall("GET", f"http://localhost/authorize?{query}", {}, parse_qs(query))
    with transaction(c.sessions) as s:
        consent = authorize(s, call=asked, user_id=alice_id, approved=True, now=NOW)
    assert consent.location is not None
    code, _ = code_from(consent.location)
    return Consent(client_id, code, verifier)


def token_post(params: dict[str, str]) -> HttpCall:
    """A POST to the token endpoint with `params` as its form."""
    return HttpCall("POST", "http://localhost/api/token", {}, {k: [v] for k, v in params.items()})
