"""Per-file ingest failures: a reason a person can act on, never a stack trace."""

from encore.kernel import EncoreError


class IngestError(EncoreError):
    code = "ingest_failed"


class NotAudioError(IngestError):
    """Empty, or content that is not audio whatever its extension says."""

    code = "not_audio"


class CorruptAudioError(IngestError):
    """Audio that starts well but cannot be decoded to the end (cut-off downloads, damaged frames)."""

    code = "corrupt_audio"


class RejectedAudioError(IngestError):
    """Readable audio Encore will not take (too long, too short)."""

    code = "rejected_audio"
