"""What the catalogue lists as music. Ad audio goes through the normal ingest, so it is made of ordinary
tracks and albums; the `is_ad` flags (set when a campaign is made) keep it out of browse, search, artist
and album lists and catalogue matching on every face. An artist with nothing but ads is hidden too.

A label's draft or withdrawn release (`status` other than published) is kept out the same way: it is
not music anyone may find or play until its label publishes it (encore.labels).

The hidden sets are small (a few advertisers, a few drafts), and each is one indexed lookup. Search never
sees ads or unlisted releases: `mark_as_ad` and the labels' drafts take them out of its index.
"""

from dataclasses import dataclass

from sqlalchemy import ColumnElement, CompoundSelect, and_, exists, false, literal_column, or_, select, true, union
from sqlalchemy.orm import Session

from encore.catalog._models import Album, AlbumArtist, Artist, ReleaseStatus, ReleaseStatusChange, Track, TrackArtist
from encore.catalog._search_index import unindex_entity
from encore.kernel import ValidationFailed

_PUBLISHED = ReleaseStatus.PUBLISHED.value


def music_album() -> ColumnElement[bool]:
    """WHERE clause for albums that are music (`= false`, so PostgreSQL can use the index too)."""
    return and_(Album.is_ad == false(), Album.status == _PUBLISHED)


def music_track() -> ColumnElement[bool]:
    return and_(Track.is_ad == false(), Track.status == _PUBLISHED)


NOT_MUSIC = "not_music"
_UNPUBLISHED = frozenset(s.value for s in ReleaseStatus if s is not ReleaseStatus.PUBLISHED)


def unplayable_reason(*, status: str, is_ad: bool) -> str | None:
    """Why nobody may stream this track, whoever asks: `music_track()` for a row already read (a playlist's, a
    like's, a play's). None for music the catalogue lists; the release's status (`withdrawn`, `draft`) while its
    label has it unpublished; `not_music` for ad audio. A listener's tier is the stream decision's, not this."""
    if status != _PUBLISHED:
        return status if status in _UNPUBLISHED else "unlisted"
    return NOT_MUSIC if is_ad else None


def unlisted_album() -> ColumnElement[bool]:
    """The few albums that are not music to list: ads, drafts, withdrawn releases (partial indexes)."""
    return or_(Album.is_ad == true(), Album.status != _PUBLISHED)


def unlisted_track() -> ColumnElement[bool]:
    return or_(Track.is_ad == true(), Track.status != _PUBLISHED)


@dataclass(frozen=True)
class Hidden:
    albums: frozenset[int]
    tracks: frozenset[int]
    artists: frozenset[int]  # artists who appear on ads only


def _unlisted_ids(model: type[Album] | type[Track]) -> CompoundSelect[tuple[int]]:
    """The ids of `unlisted_album()`/`unlisted_track()` as two arms, each matching its partial index (ads;
    drafts and withdrawn releases) word for word. One `OR` of them matched neither, so the planner read
    every album and every track credit: 35-45 ms on 200k tracks with nothing hidden, on every artist
    page (#16)."""
    return union(
        select(model.id).where(model.is_ad == true()),
        select(model.id).where(model.status != literal_column(f"'{_PUBLISHED}'")),
    )


def _ad_only_artists(session: Session) -> frozenset[int]:
    on_ads = union(
        select(AlbumArtist.artist_id).where(AlbumArtist.album_id.in_(_unlisted_ids(Album).scalar_subquery())),
        select(TrackArtist.artist_id).where(TrackArtist.track_id.in_(_unlisted_ids(Track).scalar_subquery())),
    ).subquery()
    candidates = set(session.scalars(select(on_ads.c.artist_id)))
    if not candidates:
        return frozenset()
    # EXISTS stops at the first music album or track; a UNION of them all cost ~2 ms for a prolific artist.
    music_album_of = exists().where(AlbumArtist.artist_id == Artist.id, Album.id == AlbumArtist.album_id, music_album())
    music_track_of = exists().where(TrackArtist.artist_id == Artist.id, Track.id == TrackArtist.track_id, music_track())
    return frozenset(
        session.scalars(select(Artist.id).where(Artist.id.in_(candidates), ~music_album_of, ~music_track_of))
    )


def hidden(session: Session) -> Hidden:
    return Hidden(
        albums=frozenset(session.scalars(_unlisted_ids(Album))),
        tracks=frozenset(session.scalars(_unlisted_ids(Track))),
        artists=_ad_only_artists(session),
    )


def hidden_artists(session: Session) -> frozenset[int]:
    return _ad_only_artists(session)


def ad_refusal(*, label_name: str | None, published_before: bool, shares_with_music: bool) -> tuple[str, str] | None:
    """Why this track may not become ad audio, as (code, sentence); None: it may. Pure (`mark_as_ad` reads the facts).

    Music never becomes an ad: its listeners would lose it and its label the streams already counted this month
    (a campaign's track is not music in any statement; review25m F1). A label's release (a tag's label included)
    is music, and so is a release a label ever published; an ad inside a music release is refused too."""
    if label_name is not None:
        return "music_track", (
            f"this track is on a release of the label {label_name!r}, which is music: an ad's audio must be a release"
            " of its own, with no label (a file tagged with a label's name joins that label; remove the tag and upload"
            " the spot again)"
        )
    if published_before:
        return "music_track", "this track's release was published as music: an ad's audio must be new audio of its own"
    if shares_with_music:
        return "ad_in_music_release", "the ad's audio shares its release with music; ingest ads as their own release"
    return None


def refuse_music_as_ad(session: Session, *, track: Track) -> None:
    """Raise `ValidationFailed` when this track may not become ad audio (`ad_refusal`); a track already an ad may."""
    if not track.is_ad:
        _refuse_ad_release(session, track=track)


def _refuse_ad_release(session: Session, *, track: Track) -> None:
    album = session.get_one(Album, track.album_id)
    published = exists().where(ReleaseStatusChange.album_id == album.id, ReleaseStatusChange.status == _PUBLISHED)
    others = session.scalar(
        select(Track.id).where(Track.album_id == track.album_id, Track.id != track.id, music_track())
    )
    refused = ad_refusal(
        label_name=album.label.name if album.label is not None else None,
        published_before=bool(session.scalar(select(published))),
        shares_with_music=others is not None,
    )
    if refused is not None:
        raise ValidationFailed(refused[1], code=refused[0])


def mark_as_ad(session: Session, *, track: Track) -> None:
    """Make `track` ad audio; its release becomes an ad release. A track already an ad stays one.

    A track somebody already listens to as music cannot silently vanish into an ad (`refuse_music_as_ad`): a
    label's release, one ever published as music, and an ad shipped inside a music album are refused with a clear
    error. Only a spot's own upload calls this (`ads.mark_spot`, in the transaction that saves it: never listed);
    a campaign naming a listed track is refused (`ads.create_campaign`).
    """
    refuse_music_as_ad(session, track=track)
    track.is_ad = True
    session.get_one(Album, track.album_id).is_ad = True
    session.flush()
    unlist_ad(session, track=track)


def keep_as_ad(session: Session, *, track: Track) -> None:
    """An ad's row saved again (a spot re-ingested with new tags, with `--ad` or without): it stays ad audio, with
    its release, out of search; filed into a release that holds music, a label's or one published as music, it is
    refused as a new spot there would be, and the file with it (review28a L1)."""
    _refuse_ad_release(session, track=track)
    session.get_one(Album, track.album_id).is_ad = True
    session.flush()
    unlist_ad(session, track=track)


def unlist_ad(session: Session, *, track: Track) -> None:
    """Keep ad audio out of the search index: the track, its release and the artists it alone credits. Run when
    a track becomes an ad and whenever an ad's row is saved again (a spot re-ingested with new tags, with or
    without `--ad`), whose writes index what they touch (review28a L1: search's totals counted a spot)."""
    unindex_entity(session, kind="track", entity_id=track.id)
    unindex_entity(session, kind="album", entity_id=track.album_id)
    credited = set(session.scalars(select(AlbumArtist.artist_id).where(AlbumArtist.album_id == track.album_id)))
    credited |= set(session.scalars(select(TrackArtist.artist_id).where(TrackArtist.track_id == track.id)))
    for artist_id in credited & _ad_only_artists(session):
        unindex_entity(session, kind="artist", entity_id=artist_id)
