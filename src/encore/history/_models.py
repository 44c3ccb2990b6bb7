"""Every playback, kept raw. History, Wrapped, royalty counting and ad pacing all read this table."""

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.engine.default import DefaultExecutionContext
from sqlalchemy.orm import Mapped, mapped_column

from encore.db import Base, UTCDateTime, inserted_values
from encore.history._search_text import search_text


def _search_text(context: DefaultExecutionContext) -> str | None:
    """A row inserted through SQLAlchemy (a player's report, the demo's bulk insert): its text's search text. The
    raw insert (history/_insert.py) is given it by the listens' writers, which have the folded parts at hand."""
    row = inserted_values(context)
    return search_text(row.get("artist_name"), row.get("track_name"))


class Play(Base):
    __tablename__ = "plays"
    __table_args__ = (
        UniqueConstraint("user_id", "client_play_id"),
        # (user_id, started_at) reads use ix_plays_wrapped (insights), which leads with those columns
        Index("ix_plays_track_started", "track_id", "started_at"),
        # labels: a month's counted streams per (listener, track), read from the index alone, in group order
        Index("ix_plays_user_track_started", "user_id", "track_id", "started_at", "ms_played"),
    )
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # Client-made id: the same report sent twice is one play.
    client_play_id: Mapped[str] = mapped_column(String(64))
    track_id: Mapped[int | None] = mapped_column(ForeignKey("tracks.id", ondelete="SET NULL"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ms_played: Mapped[int] = mapped_column(Integer, default=0)
    state: Mapped[str] = mapped_column(String(10), default="started")  # started | playing | ended | skipped
    context_type: Mapped[str | None] = mapped_column(String(16))
    context_id: Mapped[str | None] = mapped_column(String(64))
    device: Mapped[str | None] = mapped_column(String(100))
    shuffle: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(String(16), default="web")
    # The ListenBrainz rule, decided by history.counts_as_listen when the play is reported.
    is_listen: Mapped[bool] = mapped_column(Boolean, default=False)
    # Listens of tracks outside the catalogue (ListenBrainz submissions, imports) keep their text;
    # history.match_listens links them to a catalogue track when one appears (track_id stays NULL until then).
    artist_name: Mapped[str | None] = mapped_column(String(512))
    track_name: Mapped[str | None] = mapped_column(String(512))
    release_name: Mapped[str | None] = mapped_column(String(512))
    isrc: Mapped[str | None] = mapped_column(String(12))
    # the first 16 hex digits of history.text_key(artist, title) for unmatched rows (history.match_key); NULL once
    # matched. Not indexed (migration import13_1): history.match_listens walks the unmatched rows in time order
    match_key: Mapped[str | None] = mapped_column(String(40))
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    # history.search_text(artist_name, track_name): the text folded, for the history's word search (history.browse);
    # None when the play keeps no text. Neither part changes once written (a match only sets track_id), so it is
    # written with the row only. No index: the search reads a listener's rows by the wrapped index
    search_text: Mapped[str | None] = mapped_column(Text, default=_search_text)
    # the submitter's additional_info, as JSON text, returned unchanged by the ListenBrainz API
    extra: Mapped[str | None] = mapped_column(Text)
    # set on rows an import wrote: hidden from every reader until that import publishes (history.visible).
    # No foreign key: SQLite adds one only by copying `plays`, and imports are deleted only with their
    # listener, whose plays go too.
    import_id: Mapped[int | None] = mapped_column(Integer)


class PlayingNow(Base):
    """What a listener's scrobbler says is playing; one row per user, expires by itself."""

    __tablename__ = "playing_now"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    payload: Mapped[str] = mapped_column(Text)  # the track_metadata as submitted, JSON text
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


class TrackListens(Base):
    """Listens per track, everyone's, kept by database triggers on `plays` (migration search_1), so reads
    (Subsonic play counts, search popularity) never count plays. Only visible plays count (story_4): a
    hidden import's listens are added when it publishes (`publish_import`)."""

    __tablename__ = "track_listens"
    track_id: Mapped[int] = mapped_column(ForeignKey("tracks.id", ondelete="CASCADE"), primary_key=True)
    listens: Mapped[int] = mapped_column(Integer, default=0)
