"""The incident kit: sign out everywhere and forced password resets (one account or all), key rotation,
disabling, enabling and deleting an account, an operator setting a locked-out owner's password, an operator
taking an album down (and putting it back)."""

from encore.incident._accounts import (
    PasswordOnEnable,
    StateChange,
    delete_account,
    disable_warning,
    label_alone_warning,
    set_account_active,
    state_refusal,
    warnings_on_disable,
)
from encore.incident._service import Rotation, force_password_reset, rotate_keys, set_password, sign_out
from encore.incident._takedown import FoundAlbum, find_albums, restore_album, withdraw_album

__all__ = [
    "FoundAlbum",
    "PasswordOnEnable",
    "Rotation",
    "StateChange",
    "delete_account",
    "disable_warning",
    "find_albums",
    "force_password_reset",
    "label_alone_warning",
    "restore_album",
    "rotate_keys",
    "set_account_active",
    "set_password",
    "sign_out",
    "state_refusal",
    "warnings_on_disable",
    "withdraw_album",
]
