"""Hostile submissions get ListenBrainz's error shape, a 4xx, and store nothing."""

import json
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from encore.accounts import create_user, regenerate_listen_token
from encore.bootstrap import Container
from encore.db import transaction
from encore.history import Play
from encore.web import create_app
from tests.support.live import serve
from tests.support.raw_http import post_until_answered

NOW_TS = int(datetime.now(UTC).timestamp())


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with transaction(container.sessions) as s:
        user = create_user(s, username="hostile", password="listener-pass-1")
        token = regenerate_listen_token(s, user_id=user.id, now=container.clock.now())
    with TestClient(create_app(container), base_url="http://testserver") as c:
        c.headers["Authorization"] = f"Token {token}"
        yield c


def _listen(ts: int | None = NOW_TS - 60, **meta: object) -> dict[str, object]:
    item: dict[str, object] = {"track_metadata": {"artist_name": "A", "track_name": "T", **meta}}
    if ts is not None:
        item["listened_at"] = ts
    return item


def _doc(listen_type: str, *listens: object) -> bytes:
    return json.dumps({"listen_type": listen_type, "payload": list(listens)}).encode()


CASES = {
    "malformed_json": (b'{"listen_type": "single", "payload": [', "Cannot parse JSON"),
    "not_utf8": (b"\xff\xfe{}", "Cannot parse JSON"),
    "wrong_schema": (b'{"listens": []}', "Invalid JSON document"),
    "bad_type": (_doc("scrobble", _listen()), "listen_type"),
    "empty": (_doc("import"), "does not contain any listens"),
    "two_singles": (_doc("single", _listen(), _listen()), "exactly one listen"),
    "nul_byte": (_doc("single", _listen(track_name="T\x00x")), "NUL"),
    "nul_in_info": (_doc("single", _listen(additional_info={"k\x00": 1})), "NUL"),
    "from_1970": (_doc("single", _listen(ts=0)), "too low"),
    "future": (_doc("single", _listen(ts=NOW_TS + 86_400)), "future"),
    "far_future": (_doc("single", _listen(ts=10**15)), "too high"),
    "string_ts": (
        _doc("single", {"listened_at": "yesterday", "track_metadata": {"artist_name": "A", "track_name": "T"}}),
        "integer",
    ),
    "no_ts": (_doc("single", _listen(ts=None)), "listened_at"),
    "playing_now_with_ts": (_doc("playing_now", _listen()), "must not contain listened_at"),
    "no_artist": (_doc("single", {"listened_at": NOW_TS, "track_metadata": {"track_name": "T"}}), "artist_name"),
    "blank_title": (_doc("single", _listen(track_name="  ")), "track_name"),
    "too_many_tags": (_doc("single", _listen(additional_info={"tags": ["t"] * 51})), "tags"),
    "bad_mbid": (_doc("single", _listen(additional_info={"recording_mbid": "nope"})), "UUID"),
    "huge_listen": (_doc("single", _listen(release_name="x" * 11_000)), "too large"),
    "duration_huge": (_doc("single", _listen(additional_info={"duration_ms": 1e300})), "non-negative integer"),
    "duration_negative": (_doc("single", _listen(additional_info={"duration_ms": -100})), "non-negative integer"),
    "duration_float": (_doc("single", _listen(additional_info={"duration_ms": 2.5e5})), "non-negative integer"),
    "duration_text": (_doc("single", _listen(additional_info={"duration_ms": "240000"})), "non-negative integer"),
    "duration_bool": (_doc("single", _listen(additional_info={"duration_ms": True})), "non-negative integer"),
    "duration_past_24_days": (
        _doc("single", _listen(additional_info={"duration_ms": 2_073_600_001})),
        "at most 2073600000",
    ),
    "duration_s_past_24_days": (_doc("single", _listen(additional_info={"duration": 2_073_601})), "at most 2073600 "),
    "duration_s_negative": (_doc("single", _listen(additional_info={"duration": -1})), "non-negative integer"),
    "playing_now_duration": (
        _doc("playing_now", _listen(ts=None, additional_info={"duration_ms": -100})),
        "non-negative integer",
    ),
    "too_many": (_doc("import", *[_listen(ts=NOW_TS - i) for i in range(1001)]), "Too many listens"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_refused_with_listenbrainz_error_shape(client: TestClient, container: Container, case: str) -> None:
    body, fragment = CASES[case]
    r = client.post("/1/submit-listens", content=body)
    assert r.status_code == 400, r.text
    assert r.json()["code"] == 400 and fragment in r.json()["error"]
    with container.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Play)) == 0


def test_an_import_with_one_bad_listen_stores_none_of_it(client: TestClient, container: Container) -> None:
    body = _doc("import", *[_listen(ts=NOW_TS - 100 + i) for i in range(10)], _listen(ts=5))
    assert client.post("/1/submit-listens", content=body).status_code == 400
    assert client.post("/1/submit-listens", content=_doc("import", _listen())).status_code == 200
    with container.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Play)) == 1


def _raw_post(base_url: str, token: str, headers: str, body_chunks: Iterator[bytes]) -> tuple[bytes, int]:
    """POST over a raw socket; stops sending when the server answers or drops us. Returns (reply, bytes sent)."""
    head = f"POST /1/submit-listens HTTP/1.1\r\nHost: x\r\nAuthorization: Token {token}\r\n{headers}"
    return post_until_answered(base_url, head, body_chunks)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_two_gigabyte_body_is_refused_without_reading_it(container: Container) -> None:
    with transaction(container.sessions) as s:
        user = create_user(s, username="big", password="listener-pass-1")
        token = regenerate_listen_token(s, user_id=user.id, now=container.clock.now())
    mib = b" " * (1 << 20)
    with serve(container) as server:
        declared, _ = _raw_post(server.base_url, token, f"Content-Length: {2 << 30}\r\n", iter(()))
        assert declared.startswith(b"HTTP/1.1 400") and b"too large" in declared
        chunk = b"%x\r\n%b\r\n" % (len(mib), mib)
        # 64 MiB of a body that never ends: the answer must come while the rest is still unsent
        headers = "Transfer-Encoding: chunked\r\n"
        streamed, sent = _raw_post(server.base_url, token, headers, (chunk for _ in range(64)))
        assert streamed.startswith(b"HTTP/1.1 400") and b"too large" in streamed
        assert sent <= 64 * len(chunk)
    with container.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Play)) == 0


def test_missing_and_wrong_tokens(client: TestClient) -> None:
    body = _doc("single", _listen())
    no_auth = client.post("/1/submit-listens", content=body, headers={"Authorization": ""})
    assert no_auth.status_code == 401 and no_auth.json()["code"] == 401
    wrong = client.post("/1/submit-listens", content=body, headers={"Authorization": "Token nope"})
    assert wrong.json() == {"code": 401, "error": "Invalid authorization token."}
    assert client.get("/1/validate-token", headers={"Authorization": ""}).status_code == 400


@pytest.mark.parametrize("query", ["count=-1", "count=abc", "min_ts=10&max_ts=5", "max_ts=99999999999999999999"])
def test_bad_listen_queries(client: TestClient, query: str) -> None:
    r = client.get(f"/1/user/hostile/listens?{query}")
    assert r.status_code == 400 and r.json()["code"] == 400


@pytest.mark.parametrize(
    "info", [{"duration_ms": 0}, {"duration_ms": 86_400_000}, {"duration": 240}, {"duration": 2_073_600}]
)
def test_a_sane_duration_is_kept_as_sent(client: TestClient, info: dict[str, int]) -> None:
    r = client.post("/1/submit-listens", content=_doc("single", _listen(additional_info=info)))
    assert r.status_code == 200, r.text
    listens = client.get("/1/user/hostile/listens").json()["payload"]["listens"]
    assert listens[0]["track_metadata"]["additional_info"] == info
