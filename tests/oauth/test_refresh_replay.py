"""Refresh-token replay (RFC 9700 §4.14.2) at the service edge, on SQLite and PostgreSQL: the decision, and two
refreshes racing with one token in two transactions."""

import threading
from datetime import timedelta

from sqlalchemy import select

from encore.bootstrap import Container
from encore.db import transaction
from encore.oauth import OAuthToken, token_endpoint
from encore.oauth._policy import ROTATION_RACE, replayed_refresh
from tests.oauth.consent import NOW, consented, token_post


def test_a_replay_long_after_the_rotation_revokes_the_family() -> None:
    assert replayed_refresh(rotated_at=NOW - ROTATION_RACE, now=NOW).revoke_family
    assert replayed_refresh(rotated_at=None, now=NOW).revoke_family  # revoked, never rotated: nothing to spare
    # probe16: a token a sign-out revoked was not "already used"; saying so sent developers after a reuse bug
    assert "revoked (signed out" in replayed_refresh(rotated_at=None, now=NOW).reason
    assert "already used" in replayed_refresh(rotated_at=NOW - ROTATION_RACE, now=NOW).reason


def test_a_replay_within_the_race_window_is_the_clients_own_twin() -> None:
    twin = replayed_refresh(rotated_at=NOW - ROTATION_RACE + timedelta(milliseconds=1), now=NOW)
    assert not twin.revoke_family and "another request" in twin.reason


def _granted(c: Container) -> tuple[str, dict[str, object]]:
    """alice consents to a public client (PKCE) and it exchanges the code: its client id and token response."""
    consent = consented(c)
    with transaction(c.sessions) as s:
        reply = token_endpoint(s, call=token_post(consent.exchange()), now=NOW)
    assert reply.status == 200, reply.body
    return consent.client_id, reply.body


def test_two_transactions_refreshing_with_one_token_give_one_successor(container: Container) -> None:
    """Both read the refresh token live; the second claims it after the first committed. Without the claim both
    got a new token pair: two live chains from one refresh token. Now the second is refused as a race (the
    first's tokens are kept) and saves nothing."""
    client_id, first = _granted(container)
    refresh = token_post(
        {"grant_type": "refresh_token", "refresh_token": str(first["refresh_token"]), "client_id": client_id}
    )
    with container.sessions() as late, late.begin():
        assert late.scalars(select(OAuthToken)).one().revoked is False  # read live, kept in this session
        with transaction(container.sessions) as early:
            won = token_endpoint(early, call=refresh, now=NOW)
        lost = token_endpoint(late, call=refresh, now=NOW)
    assert won.status == 200, won.body
    assert lost.status == 400 and lost.body["error"] == "invalid_grant", lost.body
    assert "another request" in lost.body["error_description"]
    with transaction(container.sessions) as s:
        rows = list(s.scalars(select(OAuthToken).order_by(OAuthToken.id)))
    assert [row.revoked for row in rows] == [True, False]  # the first's successor, and only it, lives
    again = {"grant_type": "refresh_token", "refresh_token": str(won.body["refresh_token"]), "client_id": client_id}
    with transaction(container.sessions) as s:
        assert token_endpoint(s, call=token_post(again), now=NOW).status == 200


def test_a_family_revocation_waits_for_a_refresh_in_flight_and_revokes_its_token(container: Container) -> None:
    """review15: on PostgreSQL the replay's revocation waited on the old token's row, then missed the successor a
    racing refresh had just committed (outside its snapshot): a thief refreshing in a loop kept the grant."""
    client_id, first = _granted(container)  # the victim's T1/R1
    r1 = str(first["refresh_token"])
    with container.sessions() as s, s.begin():  # the thief, holding R1, rotates it: T2/R2
        body = {"grant_type": "refresh_token", "refresh_token": r1, "client_id": client_id}
        stolen = token_endpoint(s, call=token_post(body), now=NOW)
    assert stolen.status == 200
    later = NOW + timedelta(minutes=5)
    thief = container.sessions()
    thief.begin()
    body = {"grant_type": "refresh_token", "refresh_token": str(stolen.body["refresh_token"]), "client_id": client_id}
    assert token_endpoint(thief, call=token_post(body), now=later).status == 200  # T3 saved, not committed yet
    out = {}

    def victim() -> None:  # the victim's app replays R1, rotated 5 minutes ago: the family goes
        with container.sessions() as v, v.begin():
            replay = {"grant_type": "refresh_token", "refresh_token": r1, "client_id": client_id}
            out["reply"] = token_endpoint(v, call=token_post(replay), now=later)

    t = threading.Thread(target=victim)
    t.start()
    t.join(1.5)  # PostgreSQL: it waits on the grant's lock; SQLite: on the write lock
    thief.commit()
    thief.close()
    t.join(30)
    assert out["reply"].status == 400
    with container.sessions() as s:
        rows = [(r.id, r.revoked) for r in s.scalars(select(OAuthToken).order_by(OAuthToken.id))]
    assert len(rows) == 3 and all(revoked for _, revoked in rows), rows  # the thief's T3 too
