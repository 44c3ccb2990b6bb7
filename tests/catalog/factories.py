"""Typed factories for catalogue rows (search and page tests need no audio)."""

from datetime import date

from sqlalchemy.orm import Session

from encore.catalog import (
    Album,
    AlbumArtist,
    Artist,
    Label,
    Track,
    TrackArtist,
    identity_key,
    index_entity,
    sort_name,
)
from encore.kernel import new_public_id


def label(s: Session, name: str, kind: str = "indie") -> Label:
    row = Label(name=name, name_key=identity_key(name), kind=kind)
    s.add(row)
    s.flush()
    return row


def artist(s: Session, name: str) -> Artist:
    row = Artist(name=name, name_key=identity_key(name), sort_name=sort_name(name))
    s.add(row)
    s.flush()
    index_entity(s, kind="artist", entity_id=row.id, name=name)
    return row


def album(s: Session, title: str, by: Artist, *, released: date | None = None, on: Label | None = None) -> Album:
    row = Album(
        title=title, album_key=identity_key(by.name, title), release_date=released, label_id=on.id if on else None
    )
    row.artists.append(AlbumArtist(artist_id=by.id, position=0))
    s.add(row)
    s.flush()
    index_entity(s, kind="album", entity_id=row.id, name=title, context=by.name)
    return row


def track(s: Session, title: str, on: Album, by: list[Artist], number: int = 1, duration_ms: int = 180_000) -> Track:
    row = Track(title=title, album_id=on.id, duration_ms=duration_ms, track_number=number, audio_hash=new_public_id())
    for i, a in enumerate(by):
        row.artists.append(TrackArtist(artist_id=a.id, position=i, role="primary" if i == 0 else "featured"))
    s.add(row)
    s.flush()
    index_entity(s, kind="track", entity_id=row.id, name=title, context=" ".join([*(a.name for a in by), on.title]))
    return row


def spot(s: Session, title: str, on: Album, by: list[Artist], number: int = 1, duration_ms: int = 180_000) -> Track:
    """An advertiser's spot as its upload saves it: ad audio from the start (`ads.mark_spot`), never listed."""
    from encore.ads import mark_spot  # only the tests of ads need it

    row = track(s, title, on, by, number=number, duration_ms=duration_ms)
    mark_spot(s, row.public_id, "imported")
    return row


def songs(s: Session, count: int) -> list[str]:
    """The public ids of an album of `count` songs by one artist, for tests that need tracks and nothing else."""
    band = artist(s, "Nina Vale")
    on = album(s, "Harbour Lights", band)
    return [track(s, f"Song {i}", on, [band], number=i + 1).public_id for i in range(count)]
