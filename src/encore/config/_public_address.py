"""Where the absolute links Encore gives out point (share pages, Wrapped share pages, Stripe's return after
checkout, a phone's server address, /v1's hrefs): ENCORE_PUBLIC_BASE_URL when the operator set it; else the
address the connection itself reached, the one the socket was served on, never a request's Host header, which
a client or a proxy may set to anything (probe22: share pages said http://127.0.0.1:8000 on another port).
Pure: no request, no settings object."""

from dataclasses import dataclass
from ipaddress import ip_address

_DEFAULT_PORTS = {"http": 80, "https": 443}


def served_base(*, scheme: str, server: tuple[str, int | None] | None, host: str, port: int) -> str:
    """'http://192.168.1.5:8000' from the connection's local address (`server`, the ASGI scope's); `host` and
    `port` (what `encore serve` was told) when there is none (a Unix socket)."""
    if server is not None and server[1] is not None:
        host, port = server[0], server[1]
    shown = _host_in_url(host)
    return f"{scheme}://{shown}" if _DEFAULT_PORTS.get(scheme) == port else f"{scheme}://{shown}:{port}"


def _host_in_url(host: str) -> str:
    try:
        ip = ip_address(host.split("%", 1)[0])
    except ValueError:
        return host  # a name (TestClient's "testserver"), as it is
    if ip.version == 6 and ip.ipv4_mapped is not None:  # a dual-stack socket's IPv4 client
        return str(ip.ipv4_mapped)
    return f"[{host.replace('%', '%25')}]" if ip.version == 6 else host


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class Unnamed:
    """What `encore serve` says when production has not named its public address: `refuse` stops the start."""

    refuse: bool
    message: str


def unnamed_public_address(*, configured: str | None, host: str, mode: str, stripe: bool) -> Unnamed | None:
    """None when links will be right. A Stripe install refuses: card payers would be sent back to this machine's
    own address after paying, and Stripe's webhook already needs a public https address. Otherwise a warning,
    not a refusal: on a home network the served address is right, and a phone is paired with it."""
    if configured is not None:
        return None
    if stripe:
        return Unnamed(
            True,
            "card payments (ENCORE_STRIPE_SECRET_KEY) need ENCORE_PUBLIC_BASE_URL, the address listeners use "
            "(e.g. https://music.example.org): Stripe sends payers back to it after checkout",
        )
    if mode == "production" or not is_loopback(host):
        return Unnamed(
            False,
            "ENCORE_PUBLIC_BASE_URL is not set, so share pages, Wrapped share pages and a phone's server address "
            "name the address each connection reached on this machine (http://<its address>:<port>). Right on a "
            "home network; wrong behind a proxy or under a domain name: set ENCORE_PUBLIC_BASE_URL to the "
            "address listeners use (e.g. https://music.example.org)",
        )
    return None
