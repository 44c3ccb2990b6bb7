"""Buy links for albums and tracks, and the click that leads to one (only ever to a configured retailer)."""

import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from encore.billing import Availability, Content
from encore.catalog import Album, Track, listed_id, track_row
from encore.exclusives import track_contents
from encore.kernel import NotFound
from encore.retail._links import BuyLink, buy_links, fill_template, links_shown, on_sale
from encore.retail._models import BuyClick

Kind = Literal["album", "track"]


def _album(session: Session, album_id: str) -> Album:
    album = session.scalar(select(Album).where(Album.public_id == album_id))
    if album is None:
        raise NotFound("no such album")
    return album


def _fields(session: Session, kind: Kind, item_id: str) -> tuple[Album, Track | None, dict[str, str | None]]:
    listed_id(session, kind, item_id)  # a draft, a withdrawn release or an ad has no shop window (NotFound)
    if kind == "album":
        album = _album(session, item_id)
        artist = album.artists[0].artist.name if album.artists else None
        return album, None, {"upc": album.upc, "isrc": None, "artist": artist, "title": album.title}
    track = track_row(session, track_id=item_id)
    artist = track.artists[0].artist.name if track.artists else None
    fields = {"upc": track.album.upc, "isrc": track.isrc, "artist": artist, "title": track.title}
    return track.album, track, fields


@dataclass(frozen=True)
class Shop:
    """What the operator configured: retailer templates, and whether unreleased items are sold (pre-orders)."""

    retailers: dict[str, str]
    preorders: bool = False


def _sale_date(session: Session, album: Album, track: Track | None) -> date | None:
    """When the item is out: the album's release date, held back by a pre-release on the album, the track or
    the track's exclusive (their one owner, `exclusives.track_contents`, reads all three)."""
    if track is None:
        content = Content(Availability(album.availability), album.available_from)
    else:
        content = track_contents(session, track_ids=[track.id]).get(track.id, Content())
    prerelease = content.availability is Availability.PRERELEASE
    return on_sale(release_date=album.release_date, prerelease=prerelease, opens_at=content.release_at)


def links_for(session: Session, *, shop: Shop, kind: Kind, item_id: str, today: date) -> list[BuyLink]:
    album, track, fields = _fields(session, kind, item_id)
    out = _sale_date(session, album, track)
    if not links_shown(release_date=out, today=today, preorders=shop.preorders):
        return []
    return buy_links(shop.retailers, fields, preorder=out is not None and out > today)


def destination(session: Session, *, shop: Shop, kind: Kind, item_id: str, retailer: str, today: date) -> str:
    """Where a buy link leads. The URL is rebuilt here from the template, never taken from the request,
    so this cannot become an open redirect."""
    return _destination(session, shop=shop, kind=kind, item_id=item_id, retailer=retailer, today=today)[0]


def _destination(
    session: Session, *, shop: Shop, kind: Kind, item_id: str, retailer: str, today: date
) -> tuple[str, Album, Track | None]:
    album, track, fields = _fields(session, kind, item_id)
    template = shop.retailers.get(retailer)
    url = fill_template(template, fields) if template is not None else None
    out = _sale_date(session, album, track)
    if url is None or not links_shown(release_date=out, today=today, preorders=shop.preorders):
        raise NotFound("no such buy link", code="no_such_retailer")
    return url, album, track


def click(
    session: Session,
    *,
    shop: Shop,
    kind: Kind,
    item_id: str,
    retailer: str,
    user_id: int | None,
    client: str,
    now: datetime,
) -> tuple[str, bool]:
    """Count a click (once per listener, or per client when signed out, per item and UTC day) and return
    (where to send the listener, whether this click was counted)."""
    url, album, track = _destination(
        session, shop=shop, kind=kind, item_id=item_id, retailer=retailer, today=now.date()
    )
    who = f"user:{user_id}" if user_id is not None else f"client:{client}"
    key = hashlib.sha256(f"{who}|{kind}|{item_id}|{now.date().isoformat()}".encode()).hexdigest()
    if session.scalar(select(BuyClick.id).where(BuyClick.dedup_key == key)) is not None:
        return url, False
    row = BuyClick(
        at=now,
        kind=kind,
        album_id=album.id,
        track_id=track.id if track else None,
        label_id=album.label_id,
        retailer=retailer,
        user_id=user_id,
        dedup_key=key,
    )
    try:
        with session.begin_nested():  # two clicks at once: the unique key lets one in
            session.add(row)
    except IntegrityError:
        return url, False
    return url, True


def click_counts(session: Session, *, label_id: int | None = None) -> dict[str, int]:
    """Clicks per retailer (for one label, or all)."""
    q = select(BuyClick.retailer, func.count()).group_by(BuyClick.retailer)
    if label_id is not None:
        q = q.where(BuyClick.label_id == label_id)
    return {str(row[0]): int(row[1]) for row in session.execute(q)}
