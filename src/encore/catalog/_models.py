"""Catalogue rows: labels, artists, albums, tracks, genres and the renditions that stream them.

Every row has a small integer primary key for joins (plays tables grow to tens of millions of rows)
and a random 22-character base62 `public_id`, the only id the APIs ever show.
"""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.engine.default import DefaultExecutionContext
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from encore.catalog._text import fold
from encore.db import Base, TimestampMixin, UTCDateTime, inserted_values, utcnow
from encore.kernel import new_public_id


class LabelKind(StrEnum):
    MAJOR = "major"
    INDIE = "indie"


class AlbumType(StrEnum):
    ALBUM = "album"
    SINGLE = "single"
    EP = "ep"
    COMPILATION = "compilation"


class ArtistRole(StrEnum):
    PRIMARY = "primary"
    FEATURED = "featured"


class RenditionKind(StrEnum):
    VORBIS160 = "vorbis160"
    OPUS96 = "opus96"


def _public_id() -> Mapped[str]:
    return mapped_column(String(22), unique=True, default=new_public_id)


class Label(TimestampMixin, Base):
    __tablename__ = "labels"
    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = _public_id()
    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(10), default=LabelKind.INDIE.value)


class Artist(TimestampMixin, Base):
    __tablename__ = "artists"
    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = _public_id()
    name: Mapped[str] = mapped_column(String(300))
    name_key: Mapped[str] = mapped_column(String(300), unique=True)
    sort_name: Mapped[str] = mapped_column(String(300), index=True)


class Genre(Base):
    __tablename__ = "genres"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    key: Mapped[str] = mapped_column(String(100), unique=True)


def _ads_index(table: str) -> Index:
    """Ads only: a partial index finds the few ad rows, and (unlike a plain index on a flag that is almost
    always false) never tempts the planner away from the ordering indexes for `is_ad = false` lists."""
    return Index(
        f"ix_{table}_ads",
        "id",
        sqlite_where=text("is_ad = 1"),
        postgresql_where=text("is_ad = true"),
    )


def _unlisted_index(table: str) -> Index:
    """Drafts and withdrawn releases only (labels): few rows, found without touching the music lists' plans."""
    return Index(
        f"ix_{table}_unlisted",
        "id",
        sqlite_where=text("status <> 'published'"),
        postgresql_where=text("status <> 'published'"),
    )


def _album_music_index() -> Index:
    """An album's music tracks counted and timed from the index alone (catalog._rows, migration search11_1).
    Partial, so that the hidden sets' `is_ad = 1` and `status <> 'published'` still read their own indexes
    (a plain index holding both flags was scanned whole for them instead)."""
    return Index(
        "ix_tracks_album_music",
        "album_id",
        "is_ad",  # the two flags too: SQLite (3.40) reads a partial index alone only if it holds the WHERE's columns
        "status",
        "duration_ms",
        sqlite_where=text("is_ad = 0 AND status = 'published'"),
        postgresql_where=text("is_ad = false AND status = 'published'"),
    )


class ReleaseStatus(StrEnum):
    """Where a label's release is: a draft (an upload being prepared), published, or withdrawn (delisted)."""

    DRAFT = "draft"
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"


class ArtworkOrigin(StrEnum):
    """Where a release's cover came from: a file's embedded art (an ingest or upload), or the label's own choice in
    its portal (`labels.set_cover`), which no file's art replaces (`catalog.takes_file_art`)."""

    FILE = "file"
    LABEL = "label"


class Album(TimestampMixin, Base):
    __tablename__ = "albums"
    __table_args__ = (
        _ads_index("albums"),
        _unlisted_index("albums"),
        # catalog._art: the held-back art is read on every catalogue version move, in each process; without these,
        # two scans of every album (review23n F9; ~30 and ~60 ms at 200k albums on SQLite, against 0.01 and 0.05)
        Index(
            "ix_albums_taken_down",
            "taken_down_from",
            "artwork_key",
            sqlite_where=text("taken_down_from IS NOT NULL"),
            postgresql_where=text("taken_down_from IS NOT NULL"),
        ),
        Index("ix_albums_artwork_key", "artwork_key"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = _public_id()
    title: Mapped[str] = mapped_column(String(500))
    # Identity across ingest runs: normalised album artist + title (+ label), see catalog._keys.
    album_key: Mapped[str] = mapped_column(String(800), unique=True)
    album_type: Mapped[str] = mapped_column(String(12), default=AlbumType.ALBUM.value)
    release_date: Mapped[date | None] = mapped_column(Date, index=True)
    upc: Mapped[str | None] = mapped_column(String(14))
    label_id: Mapped[int | None] = mapped_column(ForeignKey("labels.id", ondelete="SET NULL"), index=True)
    artwork_key: Mapped[str | None] = mapped_column(String(64))
    # ArtworkOrigin of `artwork_key` (None while there is none): a label's chosen cover stays until it changes it.
    artwork_origin: Mapped[str | None] = mapped_column(String(5))
    # Set by the album's label (encore.labels); enforced by billing.decide: public | premium | prerelease.
    availability: Mapped[str] = mapped_column(String(10), default="public", server_default="public")
    available_from: Mapped[datetime | None] = mapped_column(UTCDateTime())  # a pre-release opens to all then
    # An advertiser's release (set when an ad campaign is made): never listed, searched or played as music.
    is_ad: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Only a published release is listed, searched or played (catalog._listing); labels move it (ReleaseStatus).
    status: Mapped[str] = mapped_column(String(10), default="published", server_default="published")
    # The operator's takedown (encore.incident): the status it found (published, or withdrawn by the label), kept
    # until `encore catalog restore` puts that back. While set, the label cannot publish the release again.
    taken_down_from: Mapped[str | None] = mapped_column(String(10))
    # When `status` last changed (`set_release_status`). None: before this was kept, or set where no clock was at
    # hand. Every change is kept in `ReleaseStatusChange`, which `published_when` reads; this one, the only change
    # kept before fixlast24_1, is what that migration copied there.
    status_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    label: Mapped[Label | None] = relationship(lazy="joined")
    artists: Mapped[list["AlbumArtist"]] = relationship(
        order_by="AlbumArtist.position", cascade="all, delete-orphan", lazy="selectin"
    )


class ReleaseStatusChange(Base):
    """One change of a release's status and when (`set_release_status`): the status in force when a play verified,
    for a play read later from an edge log (`playback.paid_play`). Changes before fixlast24_1 kept only the last
    one (`Album.status_changed_at`), which is all the migration could copy; an untimed change drops the album's
    rows (when it took effect is not known)."""

    __tablename__ = "release_status_changes"
    __table_args__ = (Index("ix_release_status_changes_album_since", "album_id", "since"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    album_id: Mapped[int] = mapped_column(ForeignKey("albums.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(10))
    since: Mapped[datetime] = mapped_column(UTCDateTime())


class AlbumArtist(Base):
    __tablename__ = "album_artists"
    album_id: Mapped[int] = mapped_column(ForeignKey("albums.id", ondelete="CASCADE"), primary_key=True)
    artist_id: Mapped[int] = mapped_column(ForeignKey("artists.id", ondelete="CASCADE"), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    role: Mapped[str] = mapped_column(String(12), default=ArtistRole.PRIMARY.value)
    artist: Mapped[Artist] = relationship(lazy="joined")


class AlbumGenre(Base):
    __tablename__ = "album_genres"
    album_id: Mapped[int] = mapped_column(ForeignKey("albums.id", ondelete="CASCADE"), primary_key=True)
    genre_id: Mapped[int] = mapped_column(ForeignKey("genres.id", ondelete="CASCADE"), primary_key=True, index=True)


def _folded_title(context: DefaultExecutionContext) -> str | None:
    """A track inserted outside the ORM's objects (a bulk insert): its title folded, as `Track._fold_title` sets it."""
    title = inserted_values(context).get("title")
    return fold(title) if isinstance(title, str) else None


class Track(TimestampMixin, Base):
    __tablename__ = "tracks"
    __table_args__ = (
        _ads_index("tracks"),
        _unlisted_index("tracks"),
        _album_music_index(),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = _public_id()
    album_id: Mapped[int] = mapped_column(ForeignKey("albums.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(500))
    # the title as `fold` reads it, kept with every change of the title (`_fold_title`): the history's word search
    # compares it, as it compares `Artist.name_key`, stored, rather than folding every title per search (fix32b_1)
    title_folded: Mapped[str | None] = mapped_column(Text, default=_folded_title)
    isrc: Mapped[str | None] = mapped_column(String(12), index=True)
    duration_ms: Mapped[int] = mapped_column(Integer)
    disc_number: Mapped[int] = mapped_column(Integer, default=1)
    track_number: Mapped[int] = mapped_column(Integer, default=1)
    explicit: Mapped[bool] = mapped_column(Boolean, default=False)
    loudness_lufs: Mapped[float | None] = mapped_column(Float)
    true_peak_dbtp: Mapped[float | None] = mapped_column(Float)
    gain_db: Mapped[float] = mapped_column(Float, default=0.0)
    # sha256 of the demuxed audio packets: the same audio under two names is one track.
    audio_hash: Mapped[str] = mapped_column(String(64), unique=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    # None: as its album. Otherwise the track's own availability (the stricter of the two applies).
    availability: Mapped[str | None] = mapped_column(String(10))
    available_from: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Ad audio (set when an ad campaign is made): heard only in ad breaks, never listed or played as music.
    is_ad: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    status: Mapped[str] = mapped_column(String(10), default="published", server_default="published")  # as its album
    album: Mapped[Album] = relationship(lazy="joined")
    artists: Mapped[list["TrackArtist"]] = relationship(
        order_by="TrackArtist.position", cascade="all, delete-orphan", lazy="selectin"
    )

    @validates("title")
    def _fold_title(self, _key: str, title: str) -> str:
        self.title_folded = fold(title)
        return title


class TrackArtist(Base):
    __tablename__ = "track_artists"
    track_id: Mapped[int] = mapped_column(ForeignKey("tracks.id", ondelete="CASCADE"), primary_key=True)
    artist_id: Mapped[int] = mapped_column(ForeignKey("artists.id", ondelete="CASCADE"), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    role: Mapped[str] = mapped_column(String(12), default=ArtistRole.PRIMARY.value)
    artist: Mapped[Artist] = relationship(lazy="joined")


class TrackGenre(Base):
    __tablename__ = "track_genres"
    track_id: Mapped[int] = mapped_column(ForeignKey("tracks.id", ondelete="CASCADE"), primary_key=True)
    genre_id: Mapped[int] = mapped_column(ForeignKey("genres.id", ondelete="CASCADE"), primary_key=True, index=True)


class Rendition(Base):
    """One stored encoding of a track. `media_path` is relative to the media store, server-made."""

    __tablename__ = "renditions"
    __table_args__ = (UniqueConstraint("track_id", "kind"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    track_id: Mapped[int] = mapped_column(ForeignKey("tracks.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    media_path: Mapped[str] = mapped_column(String(200), unique=True)
    codec: Mapped[str] = mapped_column(String(16))
    bitrate: Mapped[int] = mapped_column(Integer)
    sample_rate: Mapped[int] = mapped_column(Integer)
    channels: Mapped[int] = mapped_column(Integer)
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
