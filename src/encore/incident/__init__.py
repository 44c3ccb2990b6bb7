"""The incident kit: sign out everywhere, forced password resets, for one account or all at once."""

from encore.incident._service import force_password_reset, sign_out

__all__ = ["force_password_reset", "sign_out"]
