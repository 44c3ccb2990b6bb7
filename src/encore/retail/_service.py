"""Buy links for albums and tracks, and the click that leads to one (only ever to a configured retailer)."""

from datetime import datetime
from typing import Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from encore.catalog import Album, Track, track_row
from encore.kernel import NotFound
from encore.retail._links import BuyLink, buy_links, fill_template
from encore.retail._models import BuyClick

Kind = Literal["album", "track"]


def _album(session: Session, album_id: str) -> Album:
    album = session.scalar(select(Album).where(Album.public_id == album_id))
    if album is None:
        raise NotFound("no such album")
    return album


def _fields(session: Session, kind: Kind, item_id: str) -> tuple[Album, Track | None, dict[str, str | None]]:
    if kind == "album":
        album = _album(session, item_id)
        artist = album.artists[0].artist.name if album.artists else None
        return album, None, {"upc": album.upc, "isrc": None, "artist": artist, "title": album.title}
    track = track_row(session, track_id=item_id)
    artist = track.artists[0].artist.name if track.artists else None
    fields = {"upc": track.album.upc, "isrc": track.isrc, "artist": artist, "title": track.title}
    return track.album, track, fields


def links_for(session: Session, *, retailers: dict[str, str], kind: Kind, item_id: str) -> list[BuyLink]:
    return buy_links(retailers, _fields(session, kind, item_id)[2])


def click(
    session: Session,
    *,
    retailers: dict[str, str],
    kind: Kind,
    item_id: str,
    retailer: str,
    user_id: int | None,
    now: datetime,
) -> str:
    """Count a click and return where to send the listener. The URL is rebuilt here from the template,
    never taken from the request, so this cannot become an open redirect."""
    album, track, fields = _fields(session, kind, item_id)
    template = retailers.get(retailer)
    url = fill_template(template, fields) if template is not None else None
    if url is None:
        raise NotFound("no such buy link", code="no_such_retailer")
    session.add(
        BuyClick(
            at=now,
            kind=kind,
            album_id=album.id,
            track_id=track.id if track else None,
            label_id=album.label_id,
            retailer=retailer,
            user_id=user_id,
        )
    )
    session.flush()
    return url


def click_counts(session: Session, *, label_id: int | None = None) -> dict[str, int]:
    """Clicks per retailer (for one label, or all)."""
    q = select(BuyClick.retailer, func.count()).group_by(BuyClick.retailer)
    if label_id is not None:
        q = q.where(BuyClick.label_id == label_id)
    return {str(row[0]): int(row[1]) for row in session.execute(q)}
