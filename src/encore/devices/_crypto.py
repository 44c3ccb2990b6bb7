"""The app-password cipher: Fernet (AES-128-CBC + HMAC-SHA256) under a key derived from the server secret."""

import base64
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


@lru_cache(maxsize=4)
def _fernet(secret: bytes) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"encore devices app password v1").derive(secret)
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(secret: bytes, plain: str) -> str:
    return _fernet(secret).encrypt(plain.encode()).decode("ascii")


def decrypt(secret: bytes, token: str) -> str | None:
    try:
        return _fernet(secret).decrypt(token.encode("ascii")).decode()
    except (InvalidToken, ValueError):
        return None  # a rotated server secret makes old app passwords unusable, never an error
