"""The incident kit: sign out everywhere and forced password resets (one account or all), key rotation."""

from encore.incident._service import Rotation, force_password_reset, rotate_keys, sign_out

__all__ = ["Rotation", "force_password_reset", "rotate_keys", "sign_out"]
