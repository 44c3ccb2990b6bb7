"""One authorization code exchanged several times at the same moment gives one token pair (RFC 6749 §4.1.2: a
code is used once). probe16 F6: on SQLite each exchange read the code unused, outside any transaction, and
four of five got live tokens; the others' replay then revokes what the code issued, as a later replay does."""

from datetime import UTC, datetime
from urllib.parse import parse_qs

from sqlalchemy import select
from sqlalchemy.orm import Session

from encore.accounts import create_user
from encore.bootstrap import Container
from encore.db import transaction
from encore.oauth import HttpCall, OAuthToken, authorize, register_app, token_endpoint
from tests.support.races import race
from tests.web.spotify.flows import REDIRECT, App, authorize_query, code_from, pkce

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def test_one_code_exchanged_five_times_at_once_issues_one_token_pair(container: Container) -> None:
    with transaction(container.sessions) as s:
        alice = create_user(s, username="alice", password="listener-pass-1")
        made = register_app(s, owner_id=alice.id, name="App", redirect_uris=[REDIRECT], now=NOW)
        alice_id, client_id = alice.id, made.app.client_id
    verifier, challenge = pkce()
    query = authorize_query(App(client_id, ""), scope="user-read-private", challenge=challenge)
    with transaction(container.sessions) as s:
        asked = HttpCall("GET", f"http://localhost/authorize?{query}", {}, parse_qs(query))
        consent = authorize(s, call=asked, user_id=alice_id, approved=True, now=NOW)
    assert consent.location is not None
    code, _ = code_from(consent.location)
    params = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT, "client_id": client_id,
              "code_verifier": verifier}  # fmt: skip
    call = HttpCall("POST", "http://localhost/api/token", {}, {k: [v] for k, v in params.items()})

    def exchange(s: Session) -> str:
        reply = token_endpoint(s, call=call, now=NOW)
        return str(reply.status) if reply.status == 200 else str(reply.body["error"])

    outcomes = race(container, [exchange] * 5)
    assert outcomes == ["200"] + ["invalid_grant"] * 4, outcomes
    with container.sessions() as s:
        tokens = list(s.scalars(select(OAuthToken)))
    # one pair was issued; the exchanges that lost are replays of a used code, so it is revoked too
    assert len(tokens) == 1 and tokens[0].revoked
