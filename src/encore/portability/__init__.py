"""The listener's data is theirs: import history from Spotify and ListenBrainz, export everything."""

from encore.portability._export import export_account
from encore.portability._import import ImportReport, check_history, import_history
from encore.portability._jobs import HANDLERS, export_file, submit_export, submit_import
from encore.portability._sources import MAX_UPLOAD_BYTES

__all__ = [
    "HANDLERS",
    "MAX_UPLOAD_BYTES",
    "ImportReport",
    "check_history",
    "export_account",
    "export_file",
    "import_history",
    "submit_export",
    "submit_import",
]
