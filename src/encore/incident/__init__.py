"""The incident kit: sign out everywhere, forced password resets, for one account or all at once."""

from encore.incident._service import sign_out

__all__ = ["sign_out"]
