"""Ingest: files in, catalogue rows and streaming renditions out.

probe -> tags -> decode/transcode/loudness -> artwork (worker processes) -> commit (parent).
"""

from encore.ingest._analyze import Analyzed, Failed, Job, analyze
from encore.ingest._audio import gain_for
from encore.ingest._errors import CorruptAudioError, IngestError, NotAudioError, RejectedAudioError
from encore.ingest._models import SourceFile
from encore.ingest._pipeline import IngestSummary, ProgressSink, run_ingest
from encore.ingest._progress import RichProgress, render_summary
from encore.ingest._scan import scan
from encore.ingest._tags import Tags, read_tags
from encore.ingest._upload import display_name, ingest_upload, safe_extension

__all__ = [
    "Analyzed",
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
    "Tags",
    "analyze",
    "display_name",
    "gain_for",
    "ingest_upload",
    "read_tags",
    "render_summary",
    "run_ingest",
    "safe_extension",
    "scan",
]
