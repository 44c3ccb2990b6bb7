"""The catalogue's views read on the DB-API cursor (catalog._rows) are the views the ORM's own objects describe,
on SQLite and PostgreSQL, for a catalogue of edge cases: no artwork, several artists credited out of insertion
order, unicode, explicit flags, Premium and pre-release releases (listed: their locks are laid over per
listener, never in the shared views), ads, drafts and withdrawn releases (never listed), deleted rows, and more
ids than one statement's IN list takes."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from encore.bootstrap import Container
from encore.catalog import (
    Album,
    AlbumArtist,
    AlbumGenre,
    AlbumSummary,
    Artist,
    ArtistRef,
    ArtistSummary,
    Genre,
    LabelRef,
    Track,
    TrackArtist,
    TrackGenre,
    TrackView,
    album_summaries_by_ids,
    artist_summaries_by_ids,
    compact,
    index_entity,
    search_catalogue,
    track_views_by_ids,
)
from encore.catalog._rows import CHUNK
from encore.db import transaction
from tests.catalog import factories as f

NAMES = ["Émilie Ångström", "坂本龍一", "Sigur Rós", "Beyoncé 🐝", 'O\'Brien "Quoted"', "Zoë\u0301 Combining"]


def _music(row: Album | Track) -> bool:
    return not row.is_ad and row.status == "published"


def _credits(links: list[TrackArtist] | list[AlbumArtist]) -> list[ArtistRef]:
    return [ArtistRef(link.artist.public_id, link.artist.name, link.role) for link in links]


def _genres(s: Session, link: type[TrackGenre] | type[AlbumGenre], owner: int) -> list[str]:
    column = link.track_id if link is TrackGenre else link.album_id  # type: ignore[union-attr]
    query = select(Genre).join(link, link.genre_id == Genre.id).where(column == owner).order_by(Genre.id)
    return [g.name for g in s.scalars(query)]


def _reference_track(s: Session, t: Track) -> TrackView:
    return TrackView(
        id=t.public_id,
        title=t.title,
        duration_ms=t.duration_ms,
        disc_number=t.disc_number,
        track_number=t.track_number,
        explicit=t.explicit,
        isrc=t.isrc,
        gain_db=t.gain_db,
        loudness_lufs=t.loudness_lufs,
        artists=_credits(t.artists),
        album_id=t.album.public_id,
        album_title=t.album.title,
        artwork_key=t.album.artwork_key,
        genres=_genres(s, TrackGenre, t.id),
        year=t.album.release_date.year if t.album.release_date is not None else None,
        created_at=t.created_at,
        size=None,  # no rendition stored here: the stored vorbis160 file's size is what Subsonic's `size` says
    )


def _reference_album(s: Session, a: Album) -> AlbumSummary:
    music = [t for t in s.scalars(select(Track).where(Track.album_id == a.id)) if _music(t)]
    return AlbumSummary(
        id=a.public_id,
        title=a.title,
        album_type=a.album_type,
        release_date=a.release_date,
        artists=_credits(a.artists),
        artwork_key=a.artwork_key,
        label=LabelRef(a.label.public_id, a.label.name, a.label.kind) if a.label else None,
        upc=a.upc,
        genres=_genres(s, AlbumGenre, a.id),
        total_tracks=len(music),
        duration_ms=sum(t.duration_ms for t in music),
        created_at=a.created_at,
    )


def _reference_artist(s: Session, a: Artist) -> ArtistSummary:
    credited = select(AlbumArtist.album_id).where(AlbumArtist.artist_id == a.id)
    albums = s.scalars(select(Album).where(Album.id.in_(credited)))
    keys = [album.artwork_key for album in albums if _music(album) and album.artwork_key is not None]
    return ArtistSummary(a.public_id, a.name, max(keys) if keys and max(keys) else None)


def _genre(s: Session, name: str) -> Genre:
    row = Genre(name=name, key=name.casefold())
    s.add(row)
    s.flush()
    return row


def _catalogue(s: Session) -> None:
    """Every edge case once, then enough plain tracks and artists that one load needs two statements."""
    people = [f.artist(s, name) for name in NAMES]
    ad_only, no_albums = f.artist(s, "Only Ads"), f.artist(s, "Nothing Released")
    major, indie = f.label(s, "Große Musik", kind="major"), f.label(s, "Tiny Ünïcode")
    rock, jazz, folk = _genre(s, "Rock"), _genre(s, "Jazz"), _genre(s, "Folk ☕")
    shapes = [  # title, artwork, label, availability, status, is_ad, type
        ("Ångström Sessions", "art-b", major, "public", "published", False, "album"),
        ("No Cover", None, None, "public", "published", False, "ep"),
        ("Premium Exclusive", "art-p", indie, "premium", "published", False, "single"),
        ("Pre-release", "art-z", indie, "prerelease", "published", False, "album"),
        ("Draft", "art-zz", indie, "public", "draft", False, "album"),
        ("Withdrawn", "art-zzz", major, "public", "withdrawn", False, "compilation"),
        ("An Advert", "art-zzzz", None, "public", "published", True, "single"),
    ]
    for n, (title, art, label, availability, status, is_ad, kind) in enumerate(shapes):
        album = f.album(s, f"{title} {NAMES[n % len(NAMES)]}", people[n % 3], released=date(2020, 1, n + 1), on=label)
        album.artwork_key, album.availability, album.status, album.is_ad, album.album_type = (
            art,
            availability,
            status,
            is_ad,
            kind,
        )
        album.upc = f"00{n:010d}" if n % 2 else None
        if availability == "prerelease":
            album.available_from = datetime(2999, 1, 1, tzinfo=UTC)
        if is_ad:
            s.delete(album.artists[0])
            album.artists.append(AlbumArtist(artist_id=ad_only.id, position=0))
        else:
            album.artists.append(AlbumArtist(artist_id=people[5].id, position=2, role="featured"))
            album.artists.append(AlbumArtist(artist_id=people[4].id, position=1, role="featured"))
        for g in (folk, rock) if n % 2 else (jazz,):
            s.add(AlbumGenre(album_id=album.id, genre_id=g.id))
        s.flush()
        for i in range(3):
            credited = [people[(n + i) % 6], people[(n + i + 3) % 6]] if i else [people[n % 6]]
            t = f.track(s, f"{NAMES[i]} № {n}.{i}", album, credited, number=i + 1, duration_ms=1_000 * (n + 1) + i)
            t.explicit, t.gain_db = i == 1, -3.25 * i
            t.loudness_lufs = None if i == 2 else -14.5 + n
            t.isrc = None if i == 0 else f"GBABC{n:02d}{i:05d}"
            t.disc_number = 1 + i // 2
            t.status, t.is_ad = status, is_ad  # as labels and ad campaigns keep them
            if i == 2 and n == 0:
                t.status = "draft"  # one unpublished track on a published album: out of its view and counts
            if i == 1:
                s.add(TrackGenre(track_id=t.id, genre_id=rock.id))
                s.add(TrackGenre(track_id=t.id, genre_id=folk.id))
    s.flush()
    s.delete(s.scalars(select(Track).where(Track.title == f"{NAMES[0]} № 1.0")).one())  # a deleted track
    plain = f.album(s, "Plain", people[0])
    for i in range(CHUNK + 30):  # rows only (the search test indexes them): building the index costs time
        t = Track(title=f"Filler {i}", album_id=plain.id, duration_ms=1000 + i, track_number=i, audio_hash=f"h{i}")
        t.artists.append(TrackArtist(artist_id=people[i % 6].id, position=0))
        s.add(t)
    s.add_all(Artist(name=f"Artist {i:03d}", name_key=f"artist-{i}", sort_name=f"artist {i:03d}") for i in range(CHUNK))
    s.flush()
    assert no_albums.id


@pytest.fixture
def catalogue(container: Container) -> Container:
    with transaction(container.sessions) as s:
        _catalogue(s)
    return container


def _every_id(s: Session, model: type[Track] | type[Album] | type[Artist]) -> list[int]:
    top = max(s.scalars(select(model.id)))
    return [top + 7, *range(top + 2, 0, -1), 3]  # missing ids, newest first, and a repeat


def test_the_views_are_what_the_orm_describes(catalogue: Container) -> None:
    with catalogue.sessions() as s:
        tracks = {t.id: _reference_track(s, t) for t in s.scalars(select(Track)) if _music(t) and _music(t.album)}
        albums = {a.id: _reference_album(s, a) for a in s.scalars(select(Album)) if _music(a)}
        artists = {a.id: _reference_artist(s, a) for a in s.scalars(select(Artist))}
        track_ids, album_ids, artist_ids = (_every_id(s, m) for m in (Track, Album, Artist))
    assert len(tracks) > CHUNK and len(artists) > CHUNK  # the IN lists are split
    with catalogue.sessions() as s:
        loaded = (track_views_by_ids(s, track_ids), album_summaries_by_ids(s, album_ids))
        assert loaded[0] == tracks
        assert loaded[1] == albums
        assert artist_summaries_by_ids(s, artist_ids) == artists
    # == passes True == 1 and Decimal("-3.25") == -3.25: the JSON the faces write needs the types too (review)
    for view in loaded[0].values():
        assert type(view.explicit) is bool and type(view.duration_ms) is int
        assert all(type(v) is float for v in (view.gain_db, view.loudness_lufs) if v is not None)
    assert any(v.gain_db is not None for v in loaded[0].values())
    for album in loaded[1].values():
        assert type(album.total_tracks) is int and type(album.duration_ms) is int
        assert album.release_date is None or type(album.release_date) is date
    titles = {v.title for v in albums.values()}
    assert not any(t.startswith(("Draft", "Withdrawn", "An Advert")) for t in titles)
    assert any(t.startswith("Premium Exclusive") for t in titles) and any(t.startswith("Pre-release") for t in titles)
    assert any(v.artwork_key is None for v in albums.values()) and any(v.explicit for v in tracks.values())
    assert any(v.artwork_key is None for v in artists.values())  # "Only Ads" and "Nothing Released"
    assert any(len(v.artists) == 3 and v.artists[1].role == "featured" for v in albums.values())


def test_a_transaction_reads_the_edits_it_has_not_flushed(container: Container) -> None:
    with container.sessions() as s:
        by = f.artist(s, "Someone")
        track = f.track(s, "Before", f.album(s, "Album", by), [by])
        track.title = "Renamed, not flushed"
        assert track_views_by_ids(s, [track.id])[track.id].title == "Renamed, not flushed"


def test_a_search_page_longer_than_one_in_list_maps_every_doc(catalogue: Container) -> None:
    with transaction(catalogue.sessions) as s:
        for t in s.scalars(select(Track).where(Track.title.startswith("Filler"))):
            index_entity(s, kind="track", entity_id=t.id, name=t.title)
        compact(s)  # the docs leave the dirty list: their entity ids come from the stored docs' statement
    with catalogue.sessions() as s:
        found = search_catalogue(s, query="filler", kinds=frozenset({"track"}), limit=CHUNK + 50, offset=0)
        expected = {t.title for t in s.scalars(select(Track).where(Track.title.startswith("Filler")))}
    assert found.tracks.total == len(expected) == CHUNK + 30
    assert len(found.tracks.items) == len(expected) and {t.title for t in found.tracks.items} == expected
