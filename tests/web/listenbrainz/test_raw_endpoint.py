"""POST /1/submit-listens outside FastAPI (issue #17) keeps every check: the token on every request
(revoked, signed out, disabled: refused at once), a bad token answered before a bad document, text that
is not Unicode refused, the API's security headers, and `ok` only for listens already committed.
The FastAPI route of the same path (apps from `create_api`) gives the same answers."""

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from encore.accounts import User, create_user, regenerate_listen_token, sign_out_account
from encore.bootstrap import Container
from encore.db import transaction
from encore.history import Play
from encore.web import create_app
from encore.web._app import create_api
from tests.web.listenbrainz.test_hostile import NOW_TS, _doc, _listen

USER = "scrobbler"


@pytest.fixture(params=["raw", "fastapi"])
def client(request: pytest.FixtureRequest, container: Container) -> Iterator[TestClient]:
    app = create_app(container) if request.param == "raw" else create_api(container)
    with TestClient(app, base_url="http://testserver") as c:
        yield c


def _token(container: Container) -> tuple[int, str]:
    with transaction(container.sessions) as s:
        user = s.scalar(select(User).where(User.username == USER)) or create_user(
            s, username=USER, password="listener-pass-1"
        )
        return user.id, regenerate_listen_token(s, user_id=user.id, now=container.clock.now())


def _post(client: TestClient, token: str, body: bytes) -> tuple[int, dict[str, object]]:
    r = client.post("/1/submit-listens", content=body, headers={"Authorization": f"Token {token}"})
    return r.status_code, r.json()


def _count(container: Container) -> int:
    with container.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(Play)) or 0)


def test_a_regenerated_token_stops_at_the_next_request(client: TestClient, container: Container) -> None:
    _, old = _token(container)
    assert _post(client, old, _doc("single", _listen(ts=NOW_TS - 90))) == (200, {"status": "ok"})
    _, new = _token(container)
    refused = _post(client, old, _doc("single", _listen(ts=NOW_TS - 80)))
    assert refused == (401, {"code": 401, "error": "Invalid authorization token."})
    assert _post(client, new, _doc("single", _listen(ts=NOW_TS - 70)))[0] == 200
    assert _count(container) == 2


def test_signed_out_or_disabled_accounts_store_nothing(client: TestClient, container: Container) -> None:
    user_id, token = _token(container)
    with transaction(container.sessions) as s:
        sign_out_account(s, user_id=user_id)
    assert _post(client, token, _doc("single", _listen()))[0] == 401
    _, token = _token(container)
    assert _post(client, token, _doc("playing_now", _listen(ts=None)))[0] == 200
    with transaction(container.sessions) as s:
        s.execute(update(User).where(User.id == user_id).values(is_active=False))
    assert _post(client, token, _doc("single", _listen()))[0] == 401
    assert _post(client, token, _doc("import", _listen(ts=NOW_TS - 5)))[0] == 401
    assert _count(container) == 0


def test_a_bad_token_is_answered_before_a_bad_document(client: TestClient, container: Container) -> None:
    _, token = _token(container)
    for body in (b"{not json", _doc("single", _listen(ts=5)), b"x" * 20):
        assert _post(client, "guessed", body)[0] == 401
        status, answer = _post(client, token, body)
        assert status == 400 and answer["code"] == 400


@pytest.mark.parametrize(
    ("where", "value"),
    [("track_name", "T\ud800"), ("artist_name", "\udfffA"), ("additional_info", {"k": "\ud83d"})],
)
def test_lone_surrogates_are_refused(client: TestClient, container: Container, where: str, value: object) -> None:
    _, token = _token(container)
    body = json.dumps({"listen_type": "single", "payload": [_listen(**{where: value})]}).encode()
    status, answer = _post(client, token, body)
    assert status == 400 and "surrogate" in str(answer["error"])
    assert _count(container) == 0


def test_a_surrogate_pair_and_an_integer_past_64_bits_are_kept(client: TestClient, container: Container) -> None:
    _, token = _token(container)
    listen = _listen(track_name="Smile \U0001f600", additional_info={"big": 2**70, "tags": ["x"]})
    assert _post(client, token, json.dumps({"listen_type": "single", "payload": [listen]}).encode())[0] == 200
    with container.sessions() as s:
        play = s.scalar(select(Play))
    assert play is not None and play.track_name == "Smile \U0001f600"
    assert play.extra is not None and json.loads(play.extra)["big"] == 2**70


def test_security_headers_and_content_type(container: Container) -> None:
    _, token = _token(container)
    with TestClient(create_app(container), base_url="http://testserver") as client:  # as every API answer
        r = client.post(
            "/1/submit-listens", content=_doc("single", _listen()), headers={"Authorization": f"Token {token}"}
        )
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    assert r.headers["x-content-type-options"] == "nosniff" and "content-security-policy" in r.headers


def test_ok_means_committed_a_reader_sees_it_at_once(client: TestClient, container: Container) -> None:
    _, token = _token(container)
    for i in range(5):
        assert _post(client, token, _doc("single", _listen(ts=NOW_TS - 100 + i)))[0] == 200
        assert _count(container) == i + 1  # another connection, right after the answer


WRONG = {
    "before_2002": (_doc("single", _listen(ts=1_033_430_399)), "too low"),  # a second before 2002-10-01
    "float_ts": (
        _doc("single", {"listened_at": 1.7e9, "track_metadata": {"artist_name": "A", "track_name": "T"}}),
        "integer",
    ),
    "bool_ts": (
        _doc("single", {"listened_at": True, "track_metadata": {"artist_name": "A", "track_name": "T"}}),
        "integer",
    ),
    "text_metadata": (_doc("single", {"listened_at": NOW_TS, "track_metadata": "A - T"}), "track_metadata"),
    "list_artist": (_doc("single", _listen(artist_name=["A"])), "artist_name"),
    "object_payload": (json.dumps({"listen_type": "single", "payload": {"listened_at": NOW_TS}}).encode(), "payload"),
    "array_document": (json.dumps(["listen_type", "payload"]).encode(), "Invalid JSON document"),
    "nan_listen": (b'{"listen_type": "single", "payload": [NaN]}', "not an object"),
}


@pytest.mark.parametrize("case", sorted(WRONG))
def test_wrong_types_are_refused(client: TestClient, container: Container, case: str) -> None:
    body, fragment = WRONG[case]
    _, token = _token(container)
    status, answer = _post(client, token, body)
    assert status == 400 and fragment in str(answer["error"]), answer
    assert _count(container) == 0


def test_a_document_nested_too_deeply_is_a_400(client: TestClient, container: Container) -> None:
    _, token = _token(container)
    for depth in (1_100, 5_000, 100_000):  # orjson refuses past 1,024 levels; the standard library's stack ends
        body = b'{"listen_type": "import", "payload": ' + b"[" * depth + b"]" * depth + b"}"
        status, answer = _post(client, token, body)
        assert status == 400 and "nested too deeply" in str(answer["error"]), depth
    nul = b'{"listen_type": "single", "payload": [{"x": "\\u0000", "y": ' + b"[" * 1_000 + b"]" * 1_000 + b"}]}"
    assert _post(client, token, nul)[0] == 400  # the NUL walk over a deep document
    assert _count(container) == 0


def test_an_oversized_chunked_body_is_refused_and_logs_no_error(
    client: TestClient, container: Container, caplog: pytest.LogCaptureFixture
) -> None:
    _, token = _token(container)

    def chunks() -> Iterator[bytes]:  # no content-length: the limit is found while reading
        yield b'{"listen_type": "import", "payload": ['
        for _ in range(12):  # 1 MB a chunk: one chunk crosses the limit and its slack at once
            yield b'{"listened_at": 1, "track_metadata": {"artist_name": "' + b"a" * 1_000_000 + b'"}},'

    with caplog.at_level("ERROR"):
        r = client.post("/1/submit-listens", content=chunks(), headers={"Authorization": f"Token {token}"})
    assert r.status_code in (400, 413)  # ListenBrainz's "too large" or the body limit's, whichever reads it first
    assert not [rec for rec in caplog.records if rec.levelname == "ERROR"]
    assert _count(container) == 0
