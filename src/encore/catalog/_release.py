"""A release's status (labels' drafts): the catalogue's writers for listing, delisting and deleting one.

Each moves the catalogue's version (so cached views drop) and keeps the search index in step: an
unlisted release's album, tracks and any artist with nothing else listed leave search at once, and
publishing puts them back, as ingest would have written them.
"""

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from encore.catalog._listing import hidden_artists
from encore.catalog._models import (
    Album,
    AlbumArtist,
    Artist,
    ArtistRole,
    ReleaseStatus,
    ReleaseStatusChange,
    Rendition,
    Track,
    TrackArtist,
)
from encore.catalog._search_index import index_entity, reindex_album, unindex_entity
from encore.catalog._version import catalogue_changed
from encore.catalog._write import refuse_another_labels_artist, upsert_artists


def _credited(session: Session, album: Album) -> set[int]:
    track_ids = select(Track.id).where(Track.album_id == album.id)
    credited = set(session.scalars(select(AlbumArtist.artist_id).where(AlbumArtist.album_id == album.id)))
    credited |= set(session.scalars(select(TrackArtist.artist_id).where(TrackArtist.track_id.in_(track_ids))))
    return credited


def set_release_status(session: Session, *, album: Album, status: ReleaseStatus, now: datetime | None = None) -> None:
    """The album and every track on it take `status`; only a published release is listed anywhere. A change of
    status is timed (`now`) and kept with the earlier ones (`ReleaseStatusChange`), so a play read later from a log
    is paid only if the track was published when it verified (`published_when`, `playback.paid_play`). A change
    with no time (None) drops the album's kept changes: the status's history is then not known."""
    if album.status != status.value:
        album.status_changed_at = now
        if now is None:
            session.execute(delete(ReleaseStatusChange).where(ReleaseStatusChange.album_id == album.id))
        else:
            session.add(ReleaseStatusChange(album_id=album.id, status=status.value, since=now))
    album.status = status.value
    tracks = list(session.scalars(select(Track).where(Track.album_id == album.id)))
    for track in tracks:
        track.status = status.value
    catalogue_changed(session)
    session.flush()
    credited = _credited(session, album)
    if status is ReleaseStatus.PUBLISHED:
        reindex_album(session, album)
        for artist in session.scalars(select(Artist).where(Artist.id.in_(credited))):
            index_entity(session, kind="artist", entity_id=artist.id, name=artist.name)
        return
    unindex_entity(session, kind="album", entity_id=album.id)
    for track in tracks:
        unindex_entity(session, kind="track", entity_id=track.id)
    for artist_id in credited & hidden_artists(session):
        unindex_entity(session, kind="artist", entity_id=artist_id)


def published_when(session: Session, *, album_id: int, at: datetime) -> bool | None:
    """Whether the release was published at `at`, from its kept changes: the last one at or before `at`, else
    the status the first one after it replaced (only a published release is withdrawn; a publish replaces a
    draft or a withdrawal). None when none is kept (the release never changed since it was made, or only with no
    time, or before fixlast24_1 kept them): the caller judges by the status now."""
    change = ReleaseStatusChange
    then = session.scalar(
        select(change.status)
        .where(change.album_id == album_id, change.since <= at)
        .order_by(change.since.desc(), change.id.desc())
        .limit(1)
    )
    if then is not None:
        return then == ReleaseStatus.PUBLISHED.value
    first = session.scalar(
        select(change.status).where(change.album_id == album_id).order_by(change.since, change.id).limit(1)
    )
    if first is None:
        return None
    return first == ReleaseStatus.WITHDRAWN.value


def delete_release(session: Session, *, album: Album) -> list[str]:
    """Remove an unlisted release's rows; returns the media paths to delete once the transaction commits."""
    if album.status == ReleaseStatus.PUBLISHED.value:
        raise ValueError("a published release is withdrawn, never deleted")  # labels refuse this first
    track_ids = list(session.scalars(select(Track.id).where(Track.album_id == album.id)))
    paths = list(session.scalars(select(Rendition.media_path).where(Rendition.track_id.in_(track_ids))))
    credited = _credited(session, album)
    for track_id in track_ids:
        unindex_entity(session, kind="track", entity_id=track_id)
    unindex_entity(session, kind="album", entity_id=album.id)
    session.flush()
    # Core deletes: renditions and credits go with their rows (ON DELETE CASCADE), loaded objects are dropped.
    session.execute(delete(Track).where(Track.album_id == album.id))
    session.execute(delete(Album).where(Album.id == album.id))
    session.expunge(album)
    catalogue_changed(session)
    orphans = credited - set(session.scalars(select(AlbumArtist.artist_id).where(AlbumArtist.artist_id.in_(credited))))
    orphans -= set(session.scalars(select(TrackArtist.artist_id).where(TrackArtist.artist_id.in_(credited))))
    for artist_id in orphans:  # an artist made by this draft alone
        unindex_entity(session, kind="artist", entity_id=artist_id)
        session.execute(delete(Artist).where(Artist.id == artist_id))
    return paths


def credit_release(session: Session, *, album: Album, names: list[str], label_id: int) -> None:
    """The release's artists: the album's credits and each track's primary ones (featured kept). A name
    that is another label's artist is refused (Conflict), as on upload."""
    for name in names:
        refuse_another_labels_artist(session, name=name, label_id=label_id)
    wanted = upsert_artists(session, names=names)  # "X, x": one artist, credited once (probe25a M3)
    album.artists.clear()
    session.flush()
    album.artists.extend(AlbumArtist(artist_id=a.id, position=i) for i, a in enumerate(wanted))
    for track in session.scalars(select(Track).where(Track.album_id == album.id)):
        featured = [ta.artist_id for ta in track.artists if ta.role != ArtistRole.PRIMARY.value]
        track.artists.clear()
        session.flush()
        roles = [(a.id, ArtistRole.PRIMARY.value) for a in wanted]
        roles += [(a, ArtistRole.FEATURED.value) for a in featured if a not in {w.id for w in wanted}]
        track.artists.extend(TrackArtist(artist_id=a, position=i, role=r) for i, (a, r) in enumerate(roles))
    catalogue_changed(session)
    session.flush()
