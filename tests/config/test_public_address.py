"""Where links point without ENCORE_PUBLIC_BASE_URL, and what `encore serve` says when production has not
named its address (probe22 F4: share pages and Stripe's return URLs said http://127.0.0.1:8000 on any port)."""

import pytest

from encore.config import served_base, unnamed_public_address


@pytest.mark.parametrize(
    ("scheme", "server", "expected"),
    [
        ("http", ("192.168.1.5", 8000), "http://192.168.1.5:8000"),  # a LAN address of a 0.0.0.0 bind
        ("http", ("::ffff:10.0.0.2", 9000), "http://10.0.0.2:9000"),  # a dual-stack socket's IPv4
        ("http", ("::1", 8000), "http://[::1]:8000"),
        ("http", ("fe80::1%eth0", 8000), "http://[fe80::1%25eth0]:8000"),  # RFC 6874: the zone's % escaped
        ("https", ("music.lan", 443), "https://music.lan"),
        ("http", ("127.0.0.1", 80), "http://127.0.0.1"),
        ("http", ("/run/encore.sock", None), "http://127.0.0.1:9100"),  # a Unix socket: what serve was told
        ("http", None, "http://127.0.0.1:9100"),
    ],
)
def test_the_base_is_the_address_served(scheme: str, server: tuple[str, int | None] | None, expected: str) -> None:
    assert served_base(scheme=scheme, server=server, host="127.0.0.1", port=9100) == expected


def test_an_address_named_by_the_operator_needs_nothing_said() -> None:
    for host in ("0.0.0.0", "127.0.0.1"):  # noqa: S104 (a host serve was given; nothing binds here)
        assert unnamed_public_address(configured="https://m.example", host=host, mode="production", stripe=True) is None


def test_card_payments_without_a_public_address_refuse_to_start() -> None:
    said = unnamed_public_address(configured=None, host="127.0.0.1", mode="dev", stripe=True)
    assert said is not None and said.refuse and "ENCORE_PUBLIC_BASE_URL" in said.message


@pytest.mark.parametrize(
    ("host", "mode"),
    [("0.0.0.0", "production"), ("127.0.0.1", "production"), ("::", "dev")],  # noqa: S104
)
def test_production_or_an_open_address_is_warned(host: str, mode: str) -> None:
    said = unnamed_public_address(configured=None, host=host, mode=mode, stripe=False)
    assert said is not None and not said.refuse and "set ENCORE_PUBLIC_BASE_URL" in said.message


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1"])
def test_trying_it_on_this_machine_says_nothing(host: str) -> None:
    assert unnamed_public_address(configured=None, host=host, mode="demo", stripe=False) is None
