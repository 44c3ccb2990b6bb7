"""Labels: a label's own catalogue (uploads land as drafts; publish, withdraw; metadata, availability),
its counted streams and buy clicks, and the monthly royalty statements (pro-rata and user-centric, exact to
the cent; closed months never change)."""

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
from encore.labels._drafts import (
    ReleaseForm,
    ReleaseInvalid,
    claim_release,
    delete_draft,
    edit_release,
    publish,
    releases_of_tracks,
    set_cover,
    withdraw,
)
from encore.labels._kept import StatementBusy
from encore.labels._models import RoyaltyLine, RoyaltyStatement
from encore.labels._policy import (
    STREAM_MIN_MS,
    counts_as_stream,
    csv_cell,
    largest_remainder,
    month_bounds,
    month_part,
    split_shares,
)
from encore.labels._release_rules import TrackForm
from encore.labels._revenue import Terms
from encore.labels._statement_model import Line, Statement
from encore.labels._statements import (
    CSV_HEADER,
    SETTLEMENT,
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
    "SETTLEMENT",
    "STREAM_MIN_MS",
    "TRACK_FIELDS",
    "AlbumItem",
    "LabelInfo",
    "Line",
    "ReleaseForm",
    "ReleaseInvalid",
    "RoyaltyLine",
    "RoyaltyStatement",
    "Statement",
    "StatementBusy",
    "Terms",
    "TrackDays",
    "TrackForm",
    "TrackItem",
    "acting_label",
    "album_item",
    "buy_clicks",
    "catalogue",
    "claim_release",
    "close_month",
    "closed_months",
    "compute_month",
    "counts_as_stream",
    "csv_cell",
    "delete_draft",
    "edit_metadata",
    "edit_release",
    "for_label",
    "largest_remainder",
    "list_labels",
    "month_bounds",
    "month_part",
    "own_label",
    "owned_album",
    "owned_track",
    "pool_notes",
    "publish",
    "releases_of_tracks",
    "set_availability",
    "set_cover",
    "split_shares",
    "statement",
    "streams_per_day",
    "to_csv",
    "withdraw",
]
