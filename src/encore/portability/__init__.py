"""The listener's data is theirs: import history from Spotify and ListenBrainz, export everything."""

from encore.portability._export import export_account
from encore.portability._import import ImportReport, import_history
from encore.portability._sources import MAX_UPLOAD_BYTES

__all__ = ["MAX_UPLOAD_BYTES", "ImportReport", "export_account", "import_history"]
