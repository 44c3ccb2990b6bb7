"""Signed stream URLs: bound to user, track and rendition, valid until an expiry.

Embedded mode: HMAC-SHA256 over "user:track:rendition:expiry" (truncated to 192 bits, base64url).
Edge mode: nginx's secure_link can only check MD5, so the edge URL carries
md5(expiry + uri + " " + edge_secret), with the user id inside the hashed uri. The edge secret is
derived from the main key, so it can be rotated with it and never equals it.
"""

import base64
import hashlib
import hmac
from dataclasses import dataclass

from encore.kernel import is_public_id

RENDITION_NAMES = frozenset({"vorbis160", "opus96"})
_SIG_BYTES = 24
_MAX_EXPIRY_DIGITS = 12


@dataclass(frozen=True)
class StreamGrant:
    user: str
    track: str
    rendition: str
    expires: int


@dataclass(frozen=True)
class Denial:
    reason: str  # malformed | bad_signature | expired


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _mac(key: bytes, user: str, track: str, rendition: str, expires: int) -> str:
    message = f"{user}:{track}:{rendition}:{expires}".encode()
    return _b64(hmac.new(key, message, hashlib.sha256).digest()[:_SIG_BYTES])


def stream_key(secret_key: str) -> bytes:
    """A key used only for stream URLs (domain separation from sessions and other uses)."""
    return hmac.new(secret_key.encode(), b"encore-stream-url-v1", hashlib.sha256).digest()


def sign_stream_path(*, key: bytes, user: str, track: str, rendition: str, expires: int) -> str:
    sig = _mac(key, user, track, rendition, expires)
    return f"/stream/{track}/{rendition}?u={user}&e={expires}&s={sig}"


def verify_stream_signature(
    *, key: bytes, user: str, track: str, rendition: str, expires: str, signature: str, now: int
) -> StreamGrant | Denial:
    if not (is_public_id(user) and is_public_id(track) and rendition in RENDITION_NAMES):
        return Denial("malformed")
    if not expires.isdigit() or len(expires) > _MAX_EXPIRY_DIGITS or len(signature) > 64:
        return Denial("malformed")
    expiry = int(expires)
    if not hmac.compare_digest(_mac(key, user, track, rendition, expiry), signature):
        return Denial("bad_signature")
    if expiry < now:
        return Denial("expired")
    return StreamGrant(user, track, rendition, expiry)


def edge_secret(secret_key: str) -> str:
    return hmac.new(secret_key.encode(), b"encore-edge-secure-link-v1", hashlib.sha256).hexdigest()[:40]


def sign_edge_path(*, secret: str, user: str, media_path: str, expires: int) -> str:
    uri = f"/edge/{user}/{media_path}"
    digest = hashlib.md5(f"{expires}{uri} {secret}".encode(), usedforsecurity=False).digest()
    return f"{uri}?md5={_b64(digest)}&expires={expires}"
