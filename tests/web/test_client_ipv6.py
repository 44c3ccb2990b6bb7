"""A host owns a whole IPv6 /64 (it may use any of its 2**64 addresses), so throttles and rate windows count
an IPv6 client by its /64: a guesser who changes the low bits on every try is still one client. Clients reach
Encore through a trusted proxy (ENCORE_TRUSTED_PROXIES), which names them in X-Forwarded-For."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from encore.bootstrap import Container
from encore.config import Settings
from encore.web import create_app
from encore.web._client_ip import rate_key
from tests.web.conftest import PASSWORD

PROXY = ("10.0.0.2", 50_000)


@pytest.fixture
def settings(tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("ENCORE_TRUSTED_PROXIES", "10.0.0.0/8")
    return Settings(mode="dev", data_dir=tmp_path / "var", database_url=database_url)


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(container), client=PROXY) as c:
        yield c


def _login(client: TestClient, username: str, password: str, address: str) -> int:
    body = {"username": username, "password": password}
    return client.post("/api/auth/login", json=body, headers={"X-Forwarded-For": address}).status_code


def test_one_slash_64_is_one_client_for_the_login_throttle(client: TestClient, listener: str) -> None:
    codes = [_login(client, listener, "bad-pass", f"2001:db8:1:2::{i:x}") for i in range(1, 7)]
    assert codes == [401] * 5 + [429]
    # the owner, from another /64 (a new client), still gets in
    assert _login(client, listener, PASSWORD, "2001:db8:1:3::1") == 200


def test_sign_up_window_counts_a_slash_64_once(client: TestClient) -> None:
    codes = [
        client.post(
            "/api/auth/signup",
            json={"username": f"bot{i}", "password": "long enough"},
            headers={"X-Forwarded-For": f"2001:db8:aa:bb:{i:x}:{i:x}:{i:x}:{i:x}"},
        ).status_code
        for i in range(1, 7)
    ]
    assert codes == [201] * 5 + [429]
    fresh = client.post(
        "/api/auth/signup",
        json={"username": "human", "password": "long enough"},
        headers={"X-Forwarded-For": "2001:db8:aa:bc::1"},
    )
    assert fresh.status_code == 201


@pytest.mark.parametrize(
    ("address", "key"),
    [
        ("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64"),
        ("2001:DB8:1:2::1", "2001:db8:1:2::/64"),
        ("::ffff:192.0.2.7", "192.0.2.7"),  # IPv4-mapped: the IPv4 client it is
        ("192.0.2.7", "192.0.2.7"),
        ("testclient", "testclient"),
    ],
)
def test_rate_key(address: str, key: str) -> None:
    assert rate_key(address) == key
