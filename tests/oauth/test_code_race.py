"""One authorization code exchanged several times at the same moment gives one token pair (RFC 6749 §4.1.2: a
code is used once). probe16 F6: on SQLite each exchange read the code unused, outside any transaction, and
four of five got live tokens; the others' replay then revokes what the code issued, as a later replay does."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from encore.bootstrap import Container
from encore.oauth import OAuthToken, token_endpoint
from tests.oauth.consent import NOW, consented, token_post
from tests.support.races import race


def test_one_code_exchanged_five_times_at_once_issues_one_token_pair(container: Container) -> None:
    call = token_post(consented(container).exchange())

    def exchange(s: Session) -> str:
        reply = token_endpoint(s, call=call, now=NOW)
        return str(reply.status) if reply.status == 200 else str(reply.body["error"])

    outcomes = race(container, [exchange] * 5)
    assert outcomes == ["200"] + ["invalid_grant"] * 4, outcomes
    with container.sessions() as s:
        tokens = list(s.scalars(select(OAuthToken)))
    # one pair was issued; the exchanges that lost are replays of a used code, so it is revoked too
    assert len(tokens) == 1 and tokens[0].revoked
