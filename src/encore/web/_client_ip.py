"""Who is the client: the peer, unless the peer is a proxy the operator listed (ENCORE_TRUSTED_PROXIES).

X-Forwarded-For is written by every hop, and the leftmost entries by the client itself, so the header
is read right to left, skipping trusted proxies; the first address that is not one is the client.
Without a trusted peer the header is ignored: anyone can send it, and a throttle keyed on it would
let a guesser be a new client on every request.

Throttles and rate windows key a client by `client_key`: an IPv4 address, or an IPv6 client's /64. A host
is handed a whole /64 (RFC 7421; SLAAC and privacy addresses pick any of its 2**64), so keying by the full
IPv6 address would let one machine be a new client on every request. The audit log keeps the full address.
"""

import ipaddress
from collections.abc import Sequence
from functools import lru_cache

from fastapi import Request

from encore.web._deps import container

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=16)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(e, strict=False) for e in entries)


def _trusted(address: str, networks: Sequence[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in net for net in networks)


def resolve_client(peer: str, forwarded_for: str | None, trusted: Sequence[str]) -> str:
    """Pure: the client address from the peer, the X-Forwarded-For header and the trusted proxy list."""
    networks = _networks(tuple(trusted))
    if not forwarded_for or not _trusted(peer, networks):
        return peer
    hops = [h.strip() for h in forwarded_for.split(",") if h.strip()]
    for hop in reversed(hops):
        if not _trusted(hop, networks):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return peer  # garbage where an address should be: the proxy is the best we know
    return hops[0] if hops else peer


IPV6_CLIENT_PREFIX = 64


def rate_key(address: str) -> str:
    """Pure: what a throttle counts an address as: IPv4 as is (an IPv4-mapped IPv6 address too), IPv6 by its
    /64 ("2001:db8:1:2::/64"); anything unparsable (a test client's name) as given."""
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, IPV6_CLIENT_PREFIX), strict=False))
    return str(ip)


def client_key(request: Request) -> str:
    """The client as the log-in throttle and rate windows count it (see `rate_key`)."""
    return rate_key(client_ip(request))


def client_ip(request: Request) -> str:
    peer = request.client.host if request.client else "unknown"
    trusted = container(request).settings.trusted_proxies
    return resolve_client(peer, request.headers.get("x-forwarded-for"), trusted) if trusted else peer
