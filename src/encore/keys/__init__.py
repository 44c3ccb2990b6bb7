"""The keyring: key ids for what Encore signs and encrypts, `rotate_keys` with a grace period for the
previous keys, and a per-process cache of it (`KeyringCache`)."""

from encore.keys._models import SigningKey
from encore.keys._ring import (
    LEGACY,
    Key,
    Keyring,
    KeyringCache,
    load_keyring,
    lock_keyring,
    mark_edge_ready,
    rotate_keys,
)

__all__ = [
    "LEGACY",
    "Key",
    "Keyring",
    "KeyringCache",
    "SigningKey",
    "load_keyring",
    "lock_keyring",
    "mark_edge_ready",
    "rotate_keys",
]
