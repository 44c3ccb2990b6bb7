"""Catalogue read models -> the player's JSON shapes."""

from encore.catalog import AlbumSummary, ArtistRef, ArtistSummary, LabelRef, TrackView
from encore.web._schemas import AlbumOut, ArtistOut, ArtistRefOut, LabelRefOut, TrackOut

ART_SIZES = (640, 300, 64)


def images(artwork_key: str | None) -> dict[str, str]:
    if not artwork_key:
        return {}
    return {str(size): f"/art/{artwork_key}/{size}.jpg" for size in ART_SIZES}


def artist_ref(a: ArtistRef) -> ArtistRefOut:
    return ArtistRefOut(id=a.id, name=a.name, role=a.role)


def label_ref(label: LabelRef | None) -> LabelRefOut | None:
    return LabelRefOut(id=label.id, name=label.name, kind=label.kind) if label else None


def album_out(a: AlbumSummary) -> AlbumOut:
    return AlbumOut(
        id=a.id,
        title=a.title,
        album_type=a.album_type,
        release_date=a.release_date,
        artists=[artist_ref(x) for x in a.artists],
        label=label_ref(a.label),
        upc=a.upc,
        genres=a.genres,
        total_tracks=a.total_tracks,
        images=images(a.artwork_key),
        playable=a.playable,
    )


def track_out(t: TrackView) -> TrackOut:
    return TrackOut(
        id=t.id,
        title=t.title,
        duration_ms=t.duration_ms,
        disc_number=t.disc_number,
        track_number=t.track_number,
        explicit=t.explicit,
        isrc=t.isrc,
        gain_db=t.gain_db,
        loudness_lufs=t.loudness_lufs,
        artists=[artist_ref(x) for x in t.artists],
        album={"id": t.album_id, "title": t.album_title},
        images=images(t.artwork_key),
        genres=t.genres,
        playable=t.playable,
    )


def artist_out(a: ArtistSummary) -> ArtistOut:
    return ArtistOut(id=a.id, name=a.name, images=images(a.artwork_key))
