"""The incident kit: sign out everywhere and forced password resets (one account or all), key rotation,
disabling and enabling an account."""

from encore.incident._accounts import disable_warning, set_account_active, state_refusal
from encore.incident._service import Rotation, force_password_reset, rotate_keys, sign_out

__all__ = [
    "Rotation",
    "disable_warning",
    "force_password_reset",
    "rotate_keys",
    "set_account_active",
    "sign_out",
    "state_refusal",
]
