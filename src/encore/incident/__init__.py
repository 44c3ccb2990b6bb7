"""The incident kit: sign out everywhere and forced password resets (one account or all), key rotation,
disabling, enabling and deleting an account, an operator setting a locked-out owner's password."""

from encore.incident._accounts import (
    delete_account,
    disable_warning,
    label_alone_warning,
    set_account_active,
    state_refusal,
    warnings_on_disable,
)
from encore.incident._service import Rotation, force_password_reset, rotate_keys, set_password, sign_out

__all__ = [
    "Rotation",
    "delete_account",
    "disable_warning",
    "force_password_reset",
    "label_alone_warning",
    "rotate_keys",
    "set_account_active",
    "set_password",
    "sign_out",
    "state_refusal",
    "warnings_on_disable",
]
