"""The listener's data is theirs: import history from Spotify and ListenBrainz, export everything, forget plays,
delete the account."""

from encore.portability._erase import ERASE, erase_handler, request_erase, resume_erasures
from encore.portability._export import export_account
from encore.portability._forget import forget_play, forget_range, submit_forget
from encore.portability._import import ImportReport, check_history, import_history
from encore.portability._jobs import HANDLERS, export_file, submit_export, submit_import
from encore.portability._sources import MAX_UPLOAD_BYTES

__all__ = [
    "ERASE",
    "HANDLERS",
    "MAX_UPLOAD_BYTES",
    "ImportReport",
    "check_history",
    "erase_handler",
    "export_account",
    "export_file",
    "forget_play",
    "forget_range",
    "import_history",
    "request_erase",
    "resume_erasures",
    "submit_export",
    "submit_forget",
    "submit_import",
]
