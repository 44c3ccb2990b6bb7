"""Listening history: every play, kept raw."""

from encore.history._models import Play
from encore.history._policy import check_timestamp, counts_as_listen
from encore.history._service import PlayReport, recent_plays, report_play
from encore.history._top import TIME_RANGES, Ranked, RecentPlay, recently_played, top_artists, top_tracks

__all__ = [
    "TIME_RANGES",
    "Play",
    "PlayReport",
    "Ranked",
    "RecentPlay",
    "check_timestamp",
    "counts_as_listen",
    "recent_plays",
    "recently_played",
    "report_play",
    "top_artists",
    "top_tracks",
]
