"""A listener's 1-5 star ratings of tracks, albums and artists (Subsonic setRating; 0 clears)."""

from collections.abc import Sequence
from datetime import datetime
from typing import Literal

from sqlalchemy import ForeignKey, Integer, String, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from encore.catalog import Album, Artist, Track
from encore.db import Base, UTCDateTime
from encore.kernel import NotFound, ValidationFailed, is_public_id
from encore.library._listed import resolve

RatedKind = Literal["track", "album", "artist"]
_MODELS: dict[str, type[Track] | type[Album] | type[Artist]] = {"track": Track, "album": Album, "artist": Artist}


class Rating(Base):
    __tablename__ = "ratings"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    # The catalogue row's integer id; kinds live in separate tables, so no foreign key here.
    item_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rating: Mapped[int] = mapped_column(Integer)
    rated_at: Mapped[datetime] = mapped_column(UTCDateTime())


def set_rating(session: Session, *, user_id: int, kind: RatedKind, item_id: str, rating: int, now: datetime) -> None:
    if kind not in _MODELS:
        raise ValidationFailed("kind must be track, album or artist")
    if not 0 <= rating <= 5:
        raise ValidationFailed("rating must be 0 (none) to 5", code="bad_rating")
    # Clearing (0) resolves any id; rating takes music only, as the catalogue lists it.
    row_id = resolve(session, _MODELS[kind], [item_id], music_only=rating > 0).get(item_id)
    if row_id is None:
        raise NotFound(f"no such {kind}")
    key = (Rating.user_id == user_id) & (Rating.kind == kind) & (Rating.item_id == row_id)
    if rating == 0:
        session.execute(delete(Rating).where(key))
        return
    # One upsert, not read-then-insert: two ratings of one item at once both read "not rated" and the second
    # insert was a duplicate key (a 500 on setRating). The later write wins, as with one after the other.
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    values = {"user_id": user_id, "kind": kind, "item_id": row_id, "rating": rating, "rated_at": now}
    statement = insert(Rating).values(values)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=[Rating.user_id, Rating.kind, Rating.item_id],
            set_={"rating": statement.excluded.rating, "rated_at": statement.excluded.rated_at},
        )
    )


def ratings_for(session: Session, *, user_id: int, kind: RatedKind, ids: Sequence[str]) -> dict[str, int]:
    """Public id -> rating for the given items that this listener rated."""
    model = _MODELS[kind]
    wanted = [i for i in ids if is_public_id(i)]
    if not wanted:
        return {}
    rows = session.execute(
        select(model.public_id, Rating.rating)
        .join(Rating, Rating.item_id == model.id)
        .where(Rating.user_id == user_id, Rating.kind == kind, model.public_id.in_(wanted))
    )
    return {public_id: rating for public_id, rating in rows}  # noqa: C416 - rows are Row objects


def clear_ratings(session: Session, *, user_id: int) -> None:
    session.execute(delete(Rating).where(Rating.user_id == user_id))
