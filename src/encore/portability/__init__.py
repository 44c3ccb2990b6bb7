"""The listener's data is theirs: import history from Spotify, ListenBrainz and Encore's own export, export
everything, forget plays, delete the account."""

from encore.portability._erase import ERASE, erase_account, erase_handler, request_erase, resume_erasures
from encore.portability._export import export_account
from encore.portability._forget import (
    FORGET_PLAY,
    RESUMED_ONE,
    RESUMED_PLAY,
    forget_play,
    forget_range,
    forgotten_kept_stream,
    submit_forget,
)
from encore.portability._import import ImportReport, check_history, import_history
from encore.portability._jobs import (
    DISK_MARGIN_BYTES,
    HANDLERS,
    IMPORT,
    UNLISTED,
    UNNAMED_UPLOAD,
    ImportOpen,
    check_import_slot,
    export_file,
    export_ready,
    open_import,
    room_for_upload,
    submit_export,
    submit_import,
)
from encore.portability._lately import (
    RecentlyForgotten,
    forgotten_lately,
    forgotten_listen,
    forgotten_scrobbles,
    recently_forgotten,
)
from encore.portability._sources import MAX_UPLOAD_BYTES

__all__ = [
    "DISK_MARGIN_BYTES",
    "ERASE",
    "FORGET_PLAY",
    "HANDLERS",
    "IMPORT",
    "MAX_UPLOAD_BYTES",
    "RESUMED_ONE",
    "RESUMED_PLAY",
    "UNLISTED",
    "UNNAMED_UPLOAD",
    "ImportOpen",
    "ImportReport",
    "RecentlyForgotten",
    "check_history",
    "check_import_slot",
    "erase_account",
    "erase_handler",
    "export_account",
    "export_file",
    "export_ready",
    "forget_play",
    "forget_range",
    "forgotten_kept_stream",
    "forgotten_lately",
    "forgotten_listen",
    "forgotten_scrobbles",
    "import_history",
    "open_import",
    "recently_forgotten",
    "request_erase",
    "resume_erasures",
    "room_for_upload",
    "submit_export",
    "submit_forget",
    "submit_import",
]
