"""Public ids: 22 random base62 characters, the shape Spotify Web API clients expect."""

import re
import secrets
import string

_ALPHABET = string.digits + string.ascii_uppercase + string.ascii_lowercase
PUBLIC_ID_LENGTH = 22
PUBLIC_ID_RE = re.compile(r"^[0-9A-Za-z]{22}$")


def new_public_id() -> str:
    """Return a fresh random id (22 base62 characters, about 131 bits)."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(PUBLIC_ID_LENGTH))


def is_public_id(value: str) -> bool:
    return bool(PUBLIC_ID_RE.fullmatch(value))


def new_secret_token(nbytes: int = 32) -> str:
    """An opaque URL-safe secret (sessions, share links); 32 bytes = 256 bits."""
    return secrets.token_urlsafe(nbytes)
