"""Listening history: every play, kept raw; listens by text, matched to the catalogue."""

from encore.history._browse import (
    IMPORTED,
    MAX_TEXT,
    SOURCES,
    Forgotten,
    HistoryFilter,
    HistoryPage,
    HistoryRow,
    browse_history,
    forget_chunk,
    forget_play,
)
from encore.history._listens import (
    ListenIn,
    ListenView,
    listen_count,
    listen_play_id,
    playing_now,
    set_playing_now,
    submit_listens,
    user_listens,
)
from encore.history._match import match_listens, text_key
from encore.history._models import Play, PlayingNow, TrackListens
from encore.history._policy import check_timestamp, counts_as_listen
from encore.history._service import PlayReport, open_play_id, recent_plays, report_play
from encore.history._top import TIME_RANGES, Ranked, RecentPlay, recently_played, top_artists, top_tracks
from encore.history._writer import ListenWriter

__all__ = [
    "IMPORTED",
    "MAX_TEXT",
    "SOURCES",
    "TIME_RANGES",
    "Forgotten",
    "HistoryFilter",
    "HistoryPage",
    "HistoryRow",
    "ListenIn",
    "ListenView",
    "ListenWriter",
    "Play",
    "PlayReport",
    "PlayingNow",
    "Ranked",
    "RecentPlay",
    "TrackListens",
    "browse_history",
    "check_timestamp",
    "counts_as_listen",
    "forget_chunk",
    "forget_play",
    "listen_count",
    "listen_play_id",
    "match_listens",
    "open_play_id",
    "playing_now",
    "recent_plays",
    "recently_played",
    "report_play",
    "set_playing_now",
    "submit_listens",
    "text_key",
    "top_artists",
    "top_tracks",
    "user_listens",
]
