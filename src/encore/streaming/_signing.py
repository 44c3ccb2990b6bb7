"""Signed stream URLs: bound to user, track and rendition, valid until an expiry.

Embedded mode (Python serves the bytes):
    /stream/{track}/{rendition}?u={user}&e={expiry}&g={generation}&s={sig}
    sig = base64url(HMAC-SHA256(stream_key, "user:track:rendition:expiry:generation")[:24]), no padding
    (32 chars); a URL of generation 0 has no `g` and signs "user:track:rendition:expiry", as before.
    The generation is the account's sign-out generation when the URL was made (`accounts.issue_epoch`):
    the byte path refuses it once the account (or everyone) is signed out (`accounts.StreamCutoffs`).
    192 bits is far beyond what an online forger can try; the shorter URL is kinder to logs.
    `stream_key` is derived from the main secret key, so stream URLs never share a key with sessions.

Edge mode (nginx serves the bytes, Python is not on the byte path):
    /edge/{user}/{media path}?md5={md5}&expires={expiry}
    md5 = base64url(MD5(f"{expiry}{uri} {edge_secret}")), uri = "/edge/{user}/{media path}".
    nginx's secure_link can only check MD5. The user id is a segment of the hashed uri, so a URL
    is bound to its user; the media path names the track and rendition. `edge_secret` is derived
    from the main key (HMAC, hex) and is written into the generated nginx.conf, which must
    therefore be as private as the main key.
"""

import base64
import hashlib
import hmac
from dataclasses import dataclass
from functools import lru_cache

from encore.keys import LEGACY, Key

RENDITION_NAMES = frozenset({"vorbis160", "opus96"})
_SIG_BYTES = 24
_SIG_CHARS = 32  # base64url of 24 bytes, no padding
_MAX_EXPIRY_DIGITS = 12
_MAX_GENERATION_DIGITS = 12


@dataclass(frozen=True, slots=True)
class SignedUrl:
    path: str  # path and query, to be appended to the origin that serves it
    expires_at: int  # unix seconds


@dataclass(frozen=True, slots=True)
class StreamGrant:
    user: str
    track: str
    rendition: str
    expires: int
    generation: int = 0


@dataclass(frozen=True, slots=True)
class Denial:
    reason: str  # malformed | bad_signature | expired


_MALFORMED = Denial("malformed")
_BAD_SIGNATURE = Denial("bad_signature")
_EXPIRED = Denial("expired")


def _is_id(value: str) -> bool:
    """kernel.is_public_id without the regex: ASCII isalnum is exactly [0-9A-Za-z]; this runs per request."""
    return len(value) == 22 and value.isascii() and value.isalnum()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@lru_cache(maxsize=8)
def _pads(key: bytes) -> tuple["hashlib._Hash", "hashlib._Hash"]:
    """SHA-256 states that have absorbed key^ipad and key^opad (RFC 2104), computed once per key.

    Each URL then costs two hash copies: about 25% less than `hmac.new` on the byte path (bench/stream).
    """
    if len(key) > 64:
        key = hashlib.sha256(key).digest()
    key = key.ljust(64, b"\0")
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in key))
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in key))
    return inner, outer


def _signed_text(grant: StreamGrant) -> bytes:
    tail = f":{grant.generation}" if grant.generation else ""
    return f"{grant.user}:{grant.track}:{grant.rendition}:{grant.expires}{tail}".encode()


def _mac(key: bytes, grant: StreamGrant) -> str:
    inner_pad, outer_pad = _pads(key)
    inner = inner_pad.copy()
    inner.update(_signed_text(grant))
    outer = outer_pad.copy()
    outer.update(inner.digest())
    return _b64(outer.digest()[:_SIG_BYTES])


def stream_key(secret_key: str) -> bytes:
    """A key used only for stream URLs (domain separation from sessions and other uses)."""
    return hmac.new(secret_key.encode(), b"encore-stream-url-v1", hashlib.sha256).digest()


@lru_cache(maxsize=16)
def stream_key_for(secret_key: str, key: Key) -> bytes:
    """The stream key of one keyring generation (`encore keys rotate`); kid 0 is `stream_key` itself."""
    if key.kid == LEGACY:
        return stream_key(secret_key)
    return hmac.new(secret_key.encode(), b"encore-stream-url-v1|" + key.salt.encode(), hashlib.sha256).digest()


def sign_stream_url(
    *, key: bytes, user: str, track: str, rendition: str, expires: int, kid: int = 0, generation: int = 0
) -> SignedUrl:
    """`kid` names the keyring generation of `key` (`&k=`); URLs of kid 0 carry none, as before key ids.
    `generation` is the account's sign-out generation (`&g=`, signed), none when 0."""
    sig = _mac(key, StreamGrant(user, track, rendition, expires, generation))
    k = f"&k={kid}" if kid else ""
    g = f"&g={generation}" if generation else ""
    return SignedUrl(f"/stream/{track}/{rendition}?u={user}&e={expires}{g}{k}&s={sig}", expires)


def verify_stream_signature(
    *,
    key: bytes,
    user: str,
    track: str,
    rendition: str,
    expires: str,
    signature: str,
    now: int,
    generation: str = "",
) -> StreamGrant | Denial:
    """Decide whether a stream URL is genuine and current. Never raises.

    The signature is checked before the expiry, so a forged URL learns nothing about time.
    """
    if not (_is_id(user) and _is_id(track) and rendition in RENDITION_NAMES):
        return _MALFORMED
    if not (expires.isascii() and expires.isdigit()) or len(expires) > _MAX_EXPIRY_DIGITS:
        return _MALFORMED
    if generation and (not (generation.isascii() and generation.isdigit()) or len(generation) > _MAX_GENERATION_DIGITS):
        return _MALFORMED
    if len(signature) != _SIG_CHARS or not signature.isascii():
        return _BAD_SIGNATURE if len(signature) <= 2 * _SIG_CHARS else _MALFORMED
    grant = StreamGrant(user, track, rendition, int(expires), int(generation or 0))
    if not hmac.compare_digest(_mac(key, grant), signature):
        return _BAD_SIGNATURE
    if grant.expires < now:
        return _EXPIRED
    return grant


def edge_secret(secret_key: str) -> str:
    """The secret nginx shares with Encore for edge URLs: hex, so it is safe inside nginx.conf."""
    return hmac.new(secret_key.encode(), b"encore-edge-secure-link-v1", hashlib.sha256).hexdigest()[:40]


def edge_secret_for(secret_key: str, key: Key) -> str:
    """The edge secret of one keyring generation (`encore keys rotate`); kid 0 is `edge_secret` itself."""
    if key.kid == LEGACY:
        return edge_secret(secret_key)
    raw = hmac.new(secret_key.encode(), b"encore-edge-secure-link-v1|" + key.salt.encode(), hashlib.sha256)
    return raw.hexdigest()[:40]


def sign_edge_url(*, secret: str, user: str, media_path: str, expires: int, kid: int = 0) -> SignedUrl:
    """`kid` names the keyring generation of `secret` (`&k=`, which picks the secret in nginx's map)."""
    uri = f"/edge/{user}/{media_path}"
    digest = hashlib.md5(f"{expires}{uri} {secret}".encode(), usedforsecurity=False).digest()
    k = f"&k={kid}" if kid else ""
    return SignedUrl(f"{uri}?md5={_b64(digest)}&expires={expires}{k}", expires)


# A kept URL: the key id it named, the key that verified it, and its grant.
_Kept = tuple[str, bytes, StreamGrant]


class VerifiedUrls:
    """Stream URLs whose signature was already found genuine, by their raw path and query, with the key that
    verified it: a player asks one URL for many ranges, and its HMAC need not run again for each (about a
    tenth of a Premium range's CPU in the byte path). Only the signature's answer is kept: on every request
    the caller still asks whether that key still counts (a retired or rotated key misses), whether the URL
    has expired, and its sign-out generation. Only genuine URLs enter, so a forger cannot fill it; bounded
    all the same, the oldest entry leaving first."""

    def __init__(self, size: int = 4096) -> None:
        self._kept: dict[tuple[str, bytes], _Kept] = {}
        self._size = size

    def get(self, path: str, query: bytes) -> _Kept | None:
        return self._kept.get((path, query))

    def keep(self, path: str, query: bytes, kept: _Kept) -> None:
        if len(self._kept) >= self._size > 0:
            del self._kept[next(iter(self._kept))]
        if self._size > 0:
            self._kept[path, query] = kept

    def drop(self, path: str, query: bytes) -> None:
        self._kept.pop((path, query), None)

    def __len__(self) -> int:
        return len(self._kept)
