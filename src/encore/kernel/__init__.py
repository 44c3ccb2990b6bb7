"""The innermost layer: ids, errors and the clock. Imports nothing from Encore."""

from encore.kernel.clock import EPOCH_MAX_S, Clock, FixedClock, SystemClock, from_epoch, in_epoch
from encore.kernel.errors import Conflict, EncoreError, NotFound, PermissionDenied, ValidationFailed
from encore.kernel.ids import PUBLIC_ID_RE, is_public_id, new_public_id, new_secret_token

__all__ = [
    "EPOCH_MAX_S",
    "PUBLIC_ID_RE",
    "Clock",
    "Conflict",
    "EncoreError",
    "FixedClock",
    "NotFound",
    "PermissionDenied",
    "SystemClock",
    "ValidationFailed",
    "from_epoch",
    "in_epoch",
    "is_public_id",
    "new_public_id",
    "new_secret_token",
]
