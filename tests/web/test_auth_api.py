from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from encore.bootstrap import Container
from encore.config import Settings
from encore.web._client_ip import resolve_client
from tests.web.conftest import PASSWORD, login

CSRF = {"X-Encore-CSRF": "1"}


def test_signup_is_in_the_security_report(client: TestClient, container: Container) -> None:
    """probe21b F2: a sign-up was logged as `signup`, a kind the security report did not list."""
    from datetime import timedelta

    from encore import audit

    r = client.post("/api/auth/signup", json={"username": "newcomer", "password": "long enough"})
    assert r.status_code == 201
    now = container.clock.now()
    with container.sessions() as s:
        found = audit.security_report(s, since=now - timedelta(hours=1), until=now + timedelta(hours=1))
    created = [(e.kind, e.actor, e.subject, e.details) for e in found.changes]
    assert created == [("account.created", "newcomer", "newcomer", {"by": "signup", "role": "listener"})]


def test_login_sets_an_httponly_samesite_cookie_and_me_works(client: TestClient, listener: str) -> None:
    r = client.post("/api/auth/login", json={"username": listener, "password": PASSWORD})
    assert r.status_code == 200
    cookie = r.headers["set-cookie"]
    assert "encore_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert client.get("/api/me").json()["username"] == "listener"


def test_bearer_token_works_without_cookie(client: TestClient, listener: str) -> None:
    token = login(client, listener)
    client.cookies.clear()
    assert client.get("/api/me").status_code == 401
    r = client.get("/api/me", headers={"Authorization": f"Bearer {token}"})
    assert r.json()["username"] == "listener"


def test_wrong_password_and_unknown_user_look_identical(client: TestClient, listener: str) -> None:
    wrong = client.post("/api/auth/login", json={"username": listener, "password": "nope-nope"})
    unknown = client.post("/api/auth/login", json={"username": "ghost", "password": "nope-nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert (
        wrong.json()
        == unknown.json()
        == {"error": {"code": "invalid_credentials", "message": "wrong username or password"}}
    )


def test_repeated_failures_are_throttled_with_429(client: TestClient, listener: str) -> None:
    codes = [
        client.post("/api/auth/login", json={"username": listener, "password": "bad-pass"}).status_code
        for _ in range(6)
    ]
    assert codes[:5] == [401] * 5
    assert codes[5] == 429
    r = client.post("/api/auth/login", json={"username": listener, "password": PASSWORD})
    assert r.status_code == 429 and r.headers["retry-after"]


def test_signup_refuses_extra_fields(client: TestClient) -> None:
    r = client.post("/api/auth/signup", json={"username": "mallory", "password": "long enough", "role": "admin"})
    assert r.status_code == 422
    r = client.post("/api/auth/signup", json={"username": "mallory", "password": "long enough"})
    assert r.status_code == 201 and r.json()["user"]["role"] == "listener"


def test_cookie_writes_need_the_csrf_header_and_same_origin(client: TestClient, listener: str) -> None:
    login(client, listener)
    assert client.post("/api/auth/logout").status_code == 403
    cross = client.post("/api/auth/logout", headers={**CSRF, "Origin": "https://evil.example"})
    assert cross.status_code == 403
    site = client.post("/api/auth/logout", headers={**CSRF, "Sec-Fetch-Site": "cross-site"})
    assert site.status_code == 403
    assert client.post("/api/auth/logout", headers=CSRF).status_code == 204
    assert client.get("/api/me").status_code == 401


def test_security_headers_on_pages_and_api(client: TestClient) -> None:
    for path in ("/", "/api/browse/new-releases", "/album/abc"):
        headers = client.get(path).headers
        csp = headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"


@pytest.mark.parametrize(
    ("body", "status", "field", "message"),
    [
        ({"password": "long enough"}, 422, "username", "Username is required."),
        ({"username": "x", "password": "long enough"}, 422, "username", "Username must be at least 2 characters."),
        ({"username": "x" * 33, "password": "long enough"}, 422, "username", "Username can be at most 32 characters."),
        (
            {"username": "two words", "password": "long enough"},
            422,
            "username",
            "A username can use the letters a-z (no accents or spaces), digits, '.', '_' and '-' only,"
            " 2 to 32 of them.",
        ),
        (
            {"username": "..", "password": "long enough"},  # probe16 F12: /1/user/../listens folds away
            422,
            "username",
            "A username needs a letter, digit, '_' or '-': it cannot be only dots.",
        ),
        ({"username": "newbie"}, 422, "password", "Password is required."),
        ({"username": "newbie", "password": "short"}, 422, "password", "Password must be at least 8 characters."),
        ({"username": "newbie", "password": 12345678}, 422, "password", "Password must be text."),
        (
            {"username": "newbie", "password": "long enough", "display_name": "d" * 101},
            422,
            "display_name",
            "A display name can be at most 100 characters.",  # the policy's sentence, as Settings says it
        ),
        (
            {"username": "newbie", "password": "long enough", "role": "admin"},
            422,
            "role",
            "Role is not something this request can set.",
        ),
    ],
)
def test_signup_errors_speak_to_people_per_field(
    client: TestClient, body: dict[str, object], status: int, field: str | None, message: str
) -> None:
    r = client.post("/api/auth/signup", json=body)
    assert r.status_code == status, r.text
    error = r.json()["error"]
    assert error["message"] == message
    if field is not None:
        assert error["fields"] == {field: message}
    assert "body." not in r.text and "String should" not in r.text


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        (
            {"username": "two words", "password": "short"},
            {
                "username": (
                    "A username can use the letters a-z (no accents or spaces), digits, '.', '_' and '-' only,"
                    " 2 to 32 of them."
                ),
                "password": "Password must be at least 8 characters.",
            },
        ),
        (
            {"username": "..", "password": "long enough", "display_name": "\u200b"},
            {
                "username": "A username needs a letter, digit, '_' or '-': it cannot be only dots.",
                "display_name": "A display name needs at least one visible character.",
            },
        ),
        (
            {"username": "x", "password": 12345678, "display_name": "\u202eadmin"},
            {
                "username": "Username must be at least 2 characters.",
                "password": "Password must be text.",
                "display_name": "A display name cannot hold right-to-left or left-to-right override, embedding or"
                " isolate characters (U+202A-U+202E, U+2066-U+2069): they make it read other than it is written.",
            },
        ),
    ],
    ids=["name-and-short-password", "dots-and-invisible-name", "all-three"],
)
def test_signup_tells_every_problem_at_once(
    client: TestClient, body: dict[str, object], fields: dict[str, str]
) -> None:
    """Session 25's note: the schema's length checks answered before the accounts policy ran, so a bad username
    with a short password was told only of the password, then (after fixing it) only of the username."""
    r = client.post("/api/auth/signup", json=body)
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["code"] == "invalid" and error["fields"] == fields
    assert error["message"] == next(iter(fields.values()))
    assert client.post("/api/auth/login", json={"username": "two words", "password": "short"}).status_code == 401


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"[]", "The request must be a JSON object."),  # valid JSON, not an object (probe18b N2)
        (b'"newbie"', "The request must be a JSON object."),
        (b"{not json", "The request was not valid JSON."),
    ],
)
def test_a_body_that_is_not_an_object_says_which_it_is(client: TestClient, body: bytes, message: str) -> None:
    r = client.post("/api/auth/signup", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 422, r.text
    assert r.json()["error"]["message"] == message


@pytest.mark.parametrize("body", [b"[" * 5000 + b"]" * 5000, b'{"a":' * 5000 + b"1" + b"}" * 5000])
def test_json_nested_too_deeply_is_told_so(client: TestClient, body: bytes) -> None:
    """probe22 F12: 1,000 levels answered 400 "There was an error parsing the body", vaguer than malformed JSON."""
    r = client.post("/api/auth/signup", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 422, r.text
    assert r.json()["error"] == {
        "code": "invalid",
        "message": "The request's JSON is nested too deeply to read: no Encore request nests more than a few levels.",
    }


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        (b'{"username": 9999, "password": "long enough"}', "username", "Username must be text."),
        (
            b'{"username": ' + b"9" * 5000 + b', "password": "long enough"}',
            "username",
            "Username is a number too long to read (over 4300 digits): no Encore field takes one.",
        ),
        (
            b'{"username": "newbie", "password": -' + b"1" * 4301 + b"}",
            "password",
            "Password is a number too long to read (over 4300 digits): no Encore field takes one.",
        ),
    ],
    ids=["a-number-for-text", "too-long-number", "too-long-negative"],
)
def test_a_number_too_long_to_read_is_told_at_its_field(
    client: TestClient, body: bytes, field: str, message: str
) -> None:
    """The standard library will not read an integer of over 4,300 digits, so no field sees it: it was told in a
    sentence of its own but at no field (review23n F8), where every other refused value names its field."""
    r = client.post("/api/auth/signup", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 422, r.text
    assert r.json()["error"] == {"code": "invalid", "message": message, "fields": {field: message}}
    assert client.post("/api/auth/login", json={"username": "newbie", "password": "long enough"}).status_code == 401


@pytest.mark.parametrize(
    "body",
    [
        b"[" + b"7" * 5000 + b"]",
        b'{"username": "newbie", "password": "long enough", "extra": {"deeper": [1, ' + b"2" * 5000 + b"]}}",
        b'{"__proto__": ' + b"9" * 5000 + b"}",
        b'{"a": ' + b"9" * 5000 + b', "username": "newbie"}',
    ],
    ids=["a-list", "under-a-key-that-is-no-field", "proto", "one-letter-key"],
)
def test_a_number_too_long_to_read_at_no_field_is_told_of_the_request(client: TestClient, body: bytes) -> None:
    """review24m F8: a key the model has no field for was named as if it were one, in odd words ("  proto   is a
    number too long...", "A is ..."): only a field of the route's model is named."""
    r = client.post("/api/auth/signup", content=body, headers={"content-type": "application/json"})
    said = "A number in the request is too long to read (over 4300 digits): no Encore field takes one."
    assert (r.status_code, r.json()["error"]) == (422, {"code": "invalid", "message": said, "fields": {}})


@pytest.mark.parametrize("body", [b'{"username":"\xff","password":"x"}', b'{"username":"\xc3(","password":"x"}'])
def test_json_that_is_not_utf8_is_told_it_is_not_json(client: TestClient, body: bytes) -> None:
    """probe23 F5: bytes that are not UTF-8 answered 400 "There was an error parsing the body" (the standard
    library's decoder raised before the JSON parser), where malformed JSON is told what it is."""
    r = client.post("/api/auth/login", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 422, r.text
    assert r.json()["error"] == {"code": "invalid", "message": "The request was not valid JSON."}
    malformed = client.post("/api/auth/login", content=b'{"username":', headers={"content-type": "application/json"})
    assert (malformed.status_code, malformed.json()["error"]["message"]) == (422, r.json()["error"]["message"])


@pytest.mark.parametrize("kind", ["text/plain", "", "application/x-www-form-urlencoded"])
def test_a_json_body_under_another_type_is_told_its_content_type(client: TestClient, kind: str) -> None:
    """probe19 N3: valid JSON sent as text/plain (or with no type) was told it "was not valid JSON"."""
    body = b'{"username": "newbie", "password": "long enough"}'
    r = client.post("/api/auth/signup", content=body, headers={"content-type": kind} if kind else {})
    assert r.status_code == 422, r.text
    assert r.json()["error"]["message"] == "Send the body as JSON, with Content-Type: application/json."
    ok = client.post("/api/auth/signup", content=body, headers={"content-type": "Application/JSON; charset=utf-8"})
    assert ok.status_code in (200, 201), ok.text


def test_a_taken_username_says_so(client: TestClient, listener: str) -> None:
    r = client.post("/api/auth/signup", json={"username": listener.upper(), "password": "long enough"})
    assert r.status_code == 409
    assert r.json()["error"] == {"code": "username_taken", "message": "That username is taken. Try another one."}


def test_rotating_x_forwarded_for_does_not_make_a_new_client(client: TestClient, listener: str) -> None:
    """#15 hole 6: the header is believed only from a configured proxy, so a guesser cannot forge clients."""
    codes = [
        client.post(
            "/api/auth/login",
            json={"username": listener, "password": "bad-pass"},
            headers={"X-Forwarded-For": f"203.0.113.{i}"},
        ).status_code
        for i in range(6)
    ]
    assert codes == [401] * 5 + [429]


def test_signup_is_rate_limited_per_client(client: TestClient) -> None:
    codes = [
        client.post("/api/auth/signup", json={"username": f"bot{i}", "password": "long enough"}).status_code
        for i in range(6)
    ]
    assert codes == [201] * 5 + [429]


def test_a_malformed_signup_uses_up_no_signup(client: TestClient) -> None:
    """probe21a F3: a name or display name refused for its form said nothing about other accounts, yet used
    up the client's sign-ups; five typos and the sixth, valid, sign-up was told "too many sign-ups"."""
    bad = [{"username": "x y"}, {"username": "..."}, {"username": "ok-name", "display_name": "tab\there"}] * 3
    codes = [client.post("/api/auth/signup", json={"password": "long enough", **b}).status_code for b in bad]
    assert set(codes) == {422}  # refused by the wire model, which asks the accounts policy, before the route runs
    codes = [
        client.post("/api/auth/signup", json={"username": f"real{i}", "password": "long enough"}).status_code
        for i in range(6)
    ]
    assert codes == [201] * 5 + [429]


def test_taken_names_do_count_against_signups(client: TestClient, listener: str) -> None:
    """Each 409 tells the requester that a name exists: trying names is enumeration, so those count."""
    codes = [
        client.post("/api/auth/signup", json={"username": listener, "password": "long enough"}).status_code
        for _ in range(5)
    ]
    assert codes == [409] * 5
    r = client.post("/api/auth/signup", json={"username": "newperson", "password": "long enough"})
    assert r.status_code == 429 and r.json()["error"]["code"] == "too_many_signups"


@pytest.mark.parametrize(
    ("peer", "header", "client"),
    [
        ("198.51.100.7", "1.2.3.4", "198.51.100.7"),  # untrusted peer: the header is ignored
        ("10.0.0.2", "1.2.3.4", "1.2.3.4"),  # trusted proxy: the hop before it
        ("10.0.0.2", "6.6.6.6, 1.2.3.4", "1.2.3.4"),  # the client's own leftmost entry is not believed
        ("10.0.0.2", "1.2.3.4, 10.0.0.3", "1.2.3.4"),  # a chain of trusted proxies is skipped
        ("10.0.0.2", "not-an-ip", "10.0.0.2"),
        ("10.0.0.2", None, "10.0.0.2"),
    ],
)
def test_client_address_behind_trusted_proxies(peer: str, header: str | None, client: str) -> None:
    assert resolve_client(peer, header, ["10.0.0.0/24"]) == client


def test_trusted_proxies_come_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ENCORE_TRUSTED_PROXIES", "10.0.0.0/8, 127.0.0.1")
    assert Settings(mode="dev", data_dir=tmp_path).trusted_proxies == ["10.0.0.0/8", "127.0.0.1"]
    monkeypatch.setenv("ENCORE_TRUSTED_PROXIES", "nonsense")
    with pytest.raises(ValidationError):
        Settings(mode="dev", data_dir=tmp_path)
