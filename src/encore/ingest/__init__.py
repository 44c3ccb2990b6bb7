"""Ingest: files in, catalogue rows and streaming renditions out.

probe -> tags -> decode/transcode/loudness -> artwork (worker processes) -> commit (parent).
"""

from encore.ingest._analyze import Analyzed, Failed, Job, analyze
from encore.ingest._audio import gain_for
from encore.ingest._errors import IngestError
from encore.ingest._models import SourceFile
from encore.ingest._pipeline import IngestSummary, ProgressSink, run_ingest, scan
from encore.ingest._progress import RichProgress, render_summary
from encore.ingest._tags import Tags, read_tags
from encore.ingest._upload import ingest_upload, safe_extension

__all__ = [
    "Analyzed",
    "Failed",
    "IngestError",
    "IngestSummary",
    "Job",
    "ProgressSink",
    "RichProgress",
    "SourceFile",
    "Tags",
    "analyze",
    "gain_for",
    "ingest_upload",
    "read_tags",
    "render_summary",
    "run_ingest",
    "safe_extension",
    "scan",
]
