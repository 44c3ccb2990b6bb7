"""The app-password cipher: Fernet (AES-128-CBC + HMAC-SHA256) under keys derived from the server secret,
one per keyring generation (`encore keys rotate`): the newest encrypts, every live one decrypts."""

import base64
from collections.abc import Sequence
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from encore.keys import Key

LEGACY_SALTS = ("",)  # kid 0: the derivation from before key ids


@lru_cache(maxsize=16)
def _fernet(secret: bytes, salt: str = "") -> Fernet:
    kdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=salt.encode() or None, info=b"encore devices app password v1")
    return Fernet(base64.urlsafe_b64encode(kdf.derive(secret)))


def salts_of(keys: Sequence[Key]) -> tuple[str, ...]:
    """Newest first; no keys means the legacy key alone."""
    return tuple(k.salt for k in keys) or LEGACY_SALTS


def _multi(secret: bytes, salts: Sequence[str]) -> MultiFernet:
    return MultiFernet([_fernet(secret, s) for s in salts])


def encrypt(secret: bytes, plain: str, salts: Sequence[str] = LEGACY_SALTS) -> str:
    return _fernet(secret, salts[0]).encrypt(plain.encode()).decode("ascii")


def decrypt(secret: bytes, token: str, salts: Sequence[str] = LEGACY_SALTS) -> str | None:
    try:
        return _multi(secret, salts).decrypt(token.encode("ascii")).decode()
    except (InvalidToken, ValueError):
        return None  # a retired key or a changed server secret makes old app passwords unusable, never an error


def reseal(secret: bytes, token: str, salts: Sequence[str]) -> str | None:
    """The same app password under the newest key (None if no live key opens it)."""
    try:
        return _multi(secret, salts).rotate(token.encode("ascii")).decode("ascii")
    except (InvalidToken, ValueError):
        return None
