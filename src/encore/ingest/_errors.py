"""Per-file ingest failures: a reason a person can act on, never a stack trace."""

from encore.kernel import EncoreError


class IngestError(EncoreError):
    code = "ingest_failed"
