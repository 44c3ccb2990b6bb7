"""Per-device credentials for the compatible APIs: an API key (hashed) and an app password (encrypted).

The account password is never used by Subsonic clients: a listener makes one credential pair per
phone or desktop app in the player and revokes it there.
"""

from encore.devices._models import Device
from encore.devices._policy import MIN_SALT, AuthChoice, Reread, choose_auth, reread_for
from encore.devices._service import (
    DeviceOwner,
    DeviceView,
    NewDevice,
    Rekey,
    create_device,
    list_devices,
    owner_of_api_key,
    reseal_app_passwords,
    revoke_device,
    user_for_api_key,
    user_for_app_password,
    user_for_token,
)

__all__ = [
    "MIN_SALT",
    "AuthChoice",
    "Device",
    "DeviceOwner",
    "DeviceView",
    "NewDevice",
    "Rekey",
    "Reread",
    "choose_auth",
    "create_device",
    "list_devices",
    "owner_of_api_key",
    "reread_for",
    "reseal_app_passwords",
    "revoke_device",
    "user_for_api_key",
    "user_for_app_password",
    "user_for_token",
]
