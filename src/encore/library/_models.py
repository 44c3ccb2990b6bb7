"""Playlists and a listener's saved ("liked") tracks, albums and artists."""

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.engine.default import DefaultExecutionContext
from sqlalchemy.orm import Mapped, mapped_column, validates

from encore.db import Base, TimestampMixin, UTCDateTime, unaccent
from encore.kernel import new_public_id

MAX_NAME_KEY = 300  # a name's 100 characters folded: casefold and NFD give at most three for one ("ﬃ", "한")


def _folded_name(context: DefaultExecutionContext) -> str:
    row = context.get_current_parameters()  # type: ignore[no-untyped-call]  # SQLAlchemy leaves it unannotated
    return unaccent(str(row["name"]))


class Playlist(TimestampMixin, Base):
    __tablename__ = "playlists"
    __table_args__ = (Index("ix_playlists_owner", "owner_id", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(22), unique=True, default=new_public_id)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    # The name as the public search reads it (`db.unaccent`: case-folded, accents aside), written with the name.
    # Folding it in SQL on every row of every search cost ~6x the scan on PostgreSQL (review32a M2); a plain
    # LIKE over this column costs what lower() did. The ORM sets it with each name (`_fold_name`); the default
    # serves an INSERT that names no key (a bulk insert of rows). A change to `db.unaccent`'s rule needs a migration
    # that fills the column again, as fix32d_1 first did.
    name_key: Mapped[str] = mapped_column(String(MAX_NAME_KEY), default=_folded_name)
    description: Mapped[str] = mapped_column(String(300), default="")
    public: Mapped[bool] = mapped_column(Boolean, default=False)
    # Bumped on every change of the items; clients send it back to detect a concurrent edit.
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    @validates("name")
    def _fold_name(self, _key: str, name: str) -> str:
        self.name_key = unaccent(name)
        return name


class PlaylistItem(Base):
    """One entry; the same track may appear twice, as in every streaming service's playlists."""

    __tablename__ = "playlist_items"
    __table_args__ = (Index("ix_playlist_items_order", "playlist_id", "position"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    playlist_id: Mapped[int] = mapped_column(ForeignKey("playlists.id", ondelete="CASCADE"))
    track_id: Mapped[int] = mapped_column(ForeignKey("tracks.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime())
    added_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class _Saved:
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SavedTrack(_Saved, Base):
    __tablename__ = "saved_tracks"
    __table_args__ = (Index("ix_saved_tracks_recent", "user_id", "saved_at"),)
    track_id: Mapped[int] = mapped_column(ForeignKey("tracks.id", ondelete="CASCADE"), primary_key=True)


class SavedAlbum(_Saved, Base):
    __tablename__ = "saved_albums"
    __table_args__ = (Index("ix_saved_albums_recent", "user_id", "saved_at"),)
    album_id: Mapped[int] = mapped_column(ForeignKey("albums.id", ondelete="CASCADE"), primary_key=True)


class SavedArtist(_Saved, Base):
    __tablename__ = "saved_artists"
    __table_args__ = (Index("ix_saved_artists_recent", "user_id", "saved_at"),)
    artist_id: Mapped[int] = mapped_column(ForeignKey("artists.id", ondelete="CASCADE"), primary_key=True)
