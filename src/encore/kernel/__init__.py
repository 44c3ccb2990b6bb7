"""The innermost layer: ids, errors, the clock, the allocator's and collector's knobs. Imports nothing from Encore."""

from encore.kernel._gc import GEN0_THRESHOLD, settle_heap
from encore.kernel._malloc import (
    AllocatorKeeper,
    fix_mmap_threshold,
    limit_malloc_arenas,
    malloc_held_free,
    malloc_stats,
    trim_malloc,
)
from encore.kernel._workers import end_with_parent
from encore.kernel.clock import EPOCH_MAX_S, Clock, FixedClock, SystemClock, from_epoch, in_epoch
from encore.kernel.codes import ISRC_RE, is_isrc
from encore.kernel.errors import Conflict, EncoreError, FieldsRefused, NotFound, PermissionDenied, ValidationFailed
from encore.kernel.ids import PUBLIC_ID_RE, is_public_id, new_public_id, new_secret_token
from encore.kernel.look_alike import look_alikes, skeleton
from encore.kernel.pictures import (
    PICTURE_UNREADABLE,
    PictureRefused,
    UnreadablePicture,
    decode_upright,
    decoding_slot,
    inspect_picture,
    picture_refusal,
    upright_rgb,
)
from encore.kernel.text import (
    MAX_STACKED_MARKS,
    bidi_refusal,
    blanks_as_spaces,
    drawn_only,
    has_bidi_control,
    has_control,
    has_visible,
    marks_refusal,
    spreadsheet_text,
    stacked_marks,
    terminal_safe,
    without_bidi_controls,
)

__all__ = [
    "EPOCH_MAX_S",
    "GEN0_THRESHOLD",
    "ISRC_RE",
    "MAX_STACKED_MARKS",
    "PICTURE_UNREADABLE",
    "PUBLIC_ID_RE",
    "AllocatorKeeper",
    "Clock",
    "Conflict",
    "EncoreError",
    "FieldsRefused",
    "FixedClock",
    "NotFound",
    "PermissionDenied",
    "PictureRefused",
    "SystemClock",
    "UnreadablePicture",
    "ValidationFailed",
    "bidi_refusal",
    "blanks_as_spaces",
    "decode_upright",
    "decoding_slot",
    "drawn_only",
    "end_with_parent",
    "fix_mmap_threshold",
    "from_epoch",
    "has_bidi_control",
    "has_control",
    "has_visible",
    "in_epoch",
    "inspect_picture",
    "is_isrc",
    "is_public_id",
    "limit_malloc_arenas",
    "look_alikes",
    "malloc_held_free",
    "malloc_stats",
    "marks_refusal",
    "new_public_id",
    "new_secret_token",
    "picture_refusal",
    "settle_heap",
    "skeleton",
    "spreadsheet_text",
    "stacked_marks",
    "terminal_safe",
    "trim_malloc",
    "upright_rgb",
    "without_bidi_controls",
]
