"""One error hierarchy for all of Encore; each capability subclasses these."""


class EncoreError(Exception):
    """Base of every error Encore raises on purpose. `code` is stable and machine-readable."""

    code = "error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class NotFound(EncoreError):
    code = "not_found"


class PermissionDenied(EncoreError):
    code = "forbidden"


class ValidationFailed(EncoreError):
    code = "invalid"


class Conflict(EncoreError):
    code = "conflict"
