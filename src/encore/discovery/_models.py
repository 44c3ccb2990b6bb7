"""What the recommender keeps: neighbour tables built by the training job, and each listener's choices."""

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from encore.db import Base, UTCDateTime


class TrackNeighbour(Base):
    """One track's precomputed neighbour. `listeners` is how many distinct listeners played both (0 when
    the pair comes from the catalogue alone); a pair from listening is kept only with 5 or more."""

    __tablename__ = "discovery_track_neighbours"
    track_id: Mapped[int] = mapped_column(ForeignKey("tracks.id", ondelete="CASCADE"), primary_key=True)
    neighbour_id: Mapped[int] = mapped_column(ForeignKey("tracks.id", ondelete="CASCADE"), primary_key=True)
    score: Mapped[float] = mapped_column(Float)
    listeners: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(10))  # listening | catalogue


class ArtistNeighbour(Base):
    __tablename__ = "discovery_artist_neighbours"
    artist_id: Mapped[int] = mapped_column(ForeignKey("artists.id", ondelete="CASCADE"), primary_key=True)
    neighbour_id: Mapped[int] = mapped_column(ForeignKey("artists.id", ondelete="CASCADE"), primary_key=True)
    score: Mapped[float] = mapped_column(Float)
    listeners: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(10))


class DiscoveryPreference(Base):
    """A listener's discovery settings; no row means the defaults (contribute, autoplay on)."""

    __tablename__ = "discovery_preferences"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    contribute: Mapped[bool] = mapped_column(Boolean, default=True)
    autoplay: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class TrainingContributor(Base):
    """Who the last training run learnt from (replaced by each run), so an export can say what was
    derived from a listener: the listening pairs among their own tracks, built while they contributed."""

    __tablename__ = "discovery_contributors"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    trained_at: Mapped[datetime] = mapped_column(UTCDateTime())


class TrackPopularity(Base):
    """Each track's visible listens and distinct listeners, everyone's, stored by each training run, so the
    daily mixes rank popular tracks without counting the plays of a genre or an artist once per job part (at
    50M plays those counts take minutes; issue #19). Read through `_popular.stored_popularity`, which takes
    the opted-out listeners away and keeps the 5-listener floor, as `derivable_listens` does."""

    __tablename__ = "discovery_popularity"
    track_id: Mapped[int] = mapped_column(ForeignKey("tracks.id", ondelete="CASCADE"), primary_key=True)
    listens: Mapped[int] = mapped_column(Integer)
    listeners: Mapped[int] = mapped_column(Integer)
