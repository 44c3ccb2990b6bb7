"""Labels: a label's own catalogue (metadata, availability), its counted streams and buy clicks, and the
monthly royalty statements (pro-rata and user-centric, exact to the cent; closed months never change)."""

from encore.labels._catalogue import (
    ALBUM_FIELDS,
    TRACK_FIELDS,
    AlbumItem,
    TrackItem,
    album_item,
    catalogue,
    edit_metadata,
    owned_album,
    owned_track,
    set_availability,
)
from encore.labels._directory import LabelInfo, acting_label, list_labels, own_label
from encore.labels._models import RoyaltyLine, RoyaltyStatement
from encore.labels._policy import STREAM_MIN_MS, counts_as_stream, csv_cell, largest_remainder, month_bounds
from encore.labels._revenue import Terms
from encore.labels._statements import (
    CSV_HEADER,
    Line,
    Statement,
    close_month,
    closed_months,
    compute_month,
    for_label,
    pool_notes,
    statement,
    to_csv,
)
from encore.labels._streams import TrackDays, buy_clicks, streams_per_day

__all__ = [
    "ALBUM_FIELDS",
    "CSV_HEADER",
    "STREAM_MIN_MS",
    "TRACK_FIELDS",
    "AlbumItem",
    "LabelInfo",
    "Line",
    "RoyaltyLine",
    "RoyaltyStatement",
    "Statement",
    "Terms",
    "TrackDays",
    "TrackItem",
    "acting_label",
    "album_item",
    "buy_clicks",
    "catalogue",
    "close_month",
    "closed_months",
    "compute_month",
    "counts_as_stream",
    "csv_cell",
    "edit_metadata",
    "for_label",
    "largest_remainder",
    "list_labels",
    "month_bounds",
    "own_label",
    "owned_album",
    "owned_track",
    "pool_notes",
    "set_availability",
    "statement",
    "streams_per_day",
    "to_csv",
]
