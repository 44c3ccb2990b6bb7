"""review25c L3: every error under /1/ is in ListenBrainz's shape, `{"code": status, "error": message}`, the
app's own 404, 405 and 500 too (they were Encore's `{"error": {"code", "message"}}`, which liblistenbrainz
raised as a dict where its callers read a sentence)."""

from collections.abc import Iterator

import httpx
import pytest
from liblistenbrainz import ListenBrainz
from liblistenbrainz.errors import ListenBrainzAPIException

from encore.accounts import create_user, regenerate_listen_token
from encore.bootstrap import Container
from encore.db import transaction
from encore.web._errors import busy_response, unhandled
from tests.support.live import LiveServer, serve
from tests.web.conftest import PASSWORD


@pytest.fixture
def live(container: Container) -> Iterator[LiveServer]:
    with serve(container) as server:
        yield server


def test_liblistenbrainz_reads_a_sentence_from_what_encore_does_not_have(live: LiveServer) -> None:
    with transaction(live.container.sessions) as s:
        user = create_user(s, username="lb", password=PASSWORD)
        token = regenerate_listen_token(s, user_id=user.id, now=live.container.clock.now())
    lb = ListenBrainz(api_base_url=live.base_url)
    lb.set_auth_token(token)
    for call in (
        lambda: lb.get_user_recommendation_recordings("lb"),
        lambda: lb.get_user_feedback("lb", score=1, metadata=False),
        lambda: lb.submit_user_feedback(1, "00000000-0000-0000-0000-000000000000"),
    ):
        with pytest.raises(ListenBrainzAPIException) as err:
            call()
        assert err.value.status_code in (404, 405) and isinstance(err.value.message, str) and err.value.message
    assert lb.get_listens("lb") == []  # what Encore does have still answers
    with httpx.Client(base_url=live.base_url, timeout=30) as http:
        for method, path, status in (
            ("GET", "/1/submit-listens", 404),  # POST only: the GET is the pages' 404
            ("POST", "/1/validate-token", 405),
            ("GET", "/1/no-such-endpoint", 404),
            ("GET", "/1/user/lb/no-such-thing", 404),
        ):
            r = http.request(method, path, headers={"Accept": "application/json"})
            assert r.status_code == status, (path, r.text)
            body = r.json()
            assert set(body) == {"code", "error"} and body["code"] == status and isinstance(body["error"], str), path
        assert "error" in http.get("/api/no-such-endpoint").json()  # Encore's own paths keep Encore's shape


def test_a_server_failure_and_a_busy_answer_under_1_are_listenbrainz_shaped() -> None:
    """The last-resort 500 (no route can be made to fail on purpose without a mock) and the 503 of a busy
    database, as the app's handlers build them for a /1/ path, and for any other path in Encore's shape."""
    failed = unhandled(RuntimeError("boom"), "/1/user/lb/listens")
    assert failed.status_code == 500 and failed.body == b'{"code":500,"error":"internal error"}'
    assert (
        unhandled(RuntimeError("boom"), "/api/me").body == b'{"error":{"code":"internal","message":"internal error"}}'
    )
    busy = busy_response("/1/submit-listens", 2)
    assert busy.status_code == 503 and busy.headers["retry-after"] == "2" and b'"code":503' in busy.body
