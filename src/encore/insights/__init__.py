"""Encore Wrapped: one typed snapshot per listener and period (a year or a decade), computed from monthly
rollups of `plays` (history.RollupTrack; a decade merges stored per-year tallies, the current year stored
per-month ones), stored and reused; its story cards, their PNGs, share links and a top-songs playlist."""

from encore.insights._card_cache import CardCache
from encore.insights._cards import Card, cards
from encore.insights._compute import PLAYS, ROLLUPS, Source, build_snapshot
from encore.insights._forget import fold_everyone, fold_marked, plays_changed, plays_forgotten
from encore.insights._models import WrappedShare, WrappedSnapshot, WrappedTally
from encore.insights._period import FIRST_YEAR, Period, check_decade, parse_period, periods_between
from encore.insights._playlist import TopSongsPlaylist, make_top_songs_playlist
from encore.insights._render import HEIGHT, PREVIEW_HEIGHT, PREVIEW_WIDTH, WIDTH, render_card, render_preview
from encore.insights._shares import (
    ShareView,
    create_share,
    end_shares,
    list_shares,
    resolve_share,
    revoke_share,
    revoke_share_id,
)
from encore.insights._snapshot import DayTotal, Era, FirstTrack, Ranked, Snapshot, Streak, YearTop
from encore.insights._store import available_periods, build_all, get_wrapped, rebuild, shared_counts

__all__ = [
    "FIRST_YEAR",
    "HEIGHT",
    "PLAYS",
    "PREVIEW_HEIGHT",
    "PREVIEW_WIDTH",
    "ROLLUPS",
    "WIDTH",
    "Card",
    "CardCache",
    "DayTotal",
    "Era",
    "FirstTrack",
    "Period",
    "Ranked",
    "ShareView",
    "Snapshot",
    "Source",
    "Streak",
    "TopSongsPlaylist",
    "WrappedShare",
    "WrappedSnapshot",
    "WrappedTally",
    "YearTop",
    "available_periods",
    "build_all",
    "build_snapshot",
    "cards",
    "check_decade",
    "create_share",
    "end_shares",
    "fold_everyone",
    "fold_marked",
    "get_wrapped",
    "list_shares",
    "make_top_songs_playlist",
    "parse_period",
    "periods_between",
    "plays_changed",
    "plays_forgotten",
    "rebuild",
    "render_card",
    "render_preview",
    "resolve_share",
    "revoke_share",
    "revoke_share_id",
    "shared_counts",
]
