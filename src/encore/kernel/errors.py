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
    """`fields`, where given, names the form field the refusal is about (the sentence shown beside it)."""

    code = "invalid"

    def __init__(self, message: str, *, code: str | None = None, fields: dict[str, str] | None = None) -> None:
        super().__init__(message, code=code)
        self.fields = fields or {}


class FieldsRefused(ValidationFailed):
    """A form's fields refused by a rule a wire model cannot check alone (it needs the account): `fields` maps each
    to the sentence shown beside it. Answered as a wire model's own refusal is (422 `invalid` with `fields`), so a
    client meets one shape for a field whoever checked it."""

    def __init__(self, fields: dict[str, str]) -> None:
        super().__init__(next(iter(fields.values())), code="invalid", fields=fields)


class Conflict(EncoreError):
    code = "conflict"
