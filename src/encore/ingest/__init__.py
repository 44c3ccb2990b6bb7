"""Ingest: files in, catalogue rows and streaming renditions out.

probe -> tags -> decode/transcode/loudness -> artwork (worker processes) -> commit (parent).
"""

from encore.ingest._analyze import Analyzed, Failed, Job, analyze
from encore.ingest._artwork import MAX_SOURCE_BYTES as MAX_COVER_BYTES
from encore.ingest._artwork import ArtworkRejected
from encore.ingest._audio import gain_for
from encore.ingest._errors import CorruptAudioError, IngestError, NotAudioError, RejectedAudioError
from encore.ingest._models import SourceFile
from encore.ingest._pipeline import (
    ELSEWHERE,
    IngestSummary,
    ProgressSink,
    SpotMarker,
    drop_replaced_cover,
    run_ingest,
    seen_by_label,
)
from encore.ingest._progress import RichProgress, render_summary
from encore.ingest._scan import scan
from encore.ingest._tags import Tags, read_tags
from encore.ingest._upload import display_name, ingest_upload, placed_cover, safe_extension

__all__ = [
    "ELSEWHERE",
    "MAX_COVER_BYTES",
    "Analyzed",
    "ArtworkRejected",
    "CorruptAudioError",
    "Failed",
    "IngestError",
    "IngestSummary",
    "Job",
    "NotAudioError",
    "ProgressSink",
    "RejectedAudioError",
    "RichProgress",
    "SourceFile",
    "SpotMarker",
    "Tags",
    "analyze",
    "display_name",
    "drop_replaced_cover",
    "gain_for",
    "ingest_upload",
    "placed_cover",
    "read_tags",
    "render_summary",
    "run_ingest",
    "safe_extension",
    "scan",
    "seen_by_label",
]
