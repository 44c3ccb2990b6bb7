"""Listening history: every play, kept raw."""

from encore.history._models import Play
from encore.history._policy import check_timestamp, counts_as_listen
from encore.history._service import PlayReport, recent_plays, report_play

__all__ = ["Play", "PlayReport", "check_timestamp", "counts_as_listen", "recent_plays", "report_play"]
