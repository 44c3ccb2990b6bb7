"""Catalogue and library views -> OpenSubsonic shapes (child, albumID3, artistID3, playlist)."""

from collections.abc import Iterable
from datetime import UTC, datetime

from encore.catalog import AlbumSummary, ArtistSummary, TrackView
from encore.library import PlaylistView
from encore.web.subsonic._envelope import Payload, Ready
from encore.web.subsonic._ids import ALBUM, ARTIST, PLAYLIST, ROOT_FOLDER, TRACK, cover_sid, sid

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
STREAM_SUFFIX, STREAM_TYPE, STREAM_BITRATE = "ogg", "audio/ogg", 160


def when(at: datetime | None) -> str | None:
    if at is None:
        return None
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


CREATED = when(EPOCH)  # an album whose view carries no time (the /v1 shapes' stand-ins)


def song(
    t: TrackView, *, starred: datetime | None = None, rating: int | None = None, plays: int | None = None
) -> Payload:
    artist_name = ", ".join(a.name for a in t.artists) or "Unknown"
    return {
        "id": sid(TRACK, t.id),
        "parent": sid(ALBUM, t.album_id),
        "isDir": False,
        "title": t.title,
        "album": t.album_title,
        "artist": artist_name,
        "track": t.track_number,
        "discNumber": t.disc_number,
        "genre": t.genres[0] if t.genres else None,
        "coverArt": cover_sid(ALBUM, t.album_id, t.artwork_key),
        "contentType": STREAM_TYPE,
        "suffix": STREAM_SUFFIX,
        "duration": max(t.duration_ms // 1000, 0),
        "bitRate": STREAM_BITRATE,
        "size": t.size,
        "year": t.year,
        "created": when(t.created_at),
        "albumId": sid(ALBUM, t.album_id),
        "artistId": sid(ARTIST, t.artists[0].id) if t.artists else None,
        "type": "music",
        "mediaType": "song",
        "isVideo": False,
        "starred": when(starred),
        "userRating": rating,
        "playCount": plays,
        "explicitStatus": "explicit" if t.explicit else "",
        "isrc": [t.isrc] if t.isrc else None,
        "displayArtist": artist_name,
        "artists": [{"id": sid(ARTIST, a.id), "name": a.name} for a in t.artists],
        "genres": [{"name": g} for g in t.genres],
        "replayGain": {"trackGain": round(t.gain_db, 2)},
    }


def album(
    a: AlbumSummary,
    *,
    duration_ms: int = 0,
    song_count: int | None = None,
    starred: datetime | None = None,
    rating: int | None = None,
) -> Payload:
    artist_name = ", ".join(x.name for x in a.artists) or "Unknown"
    return {
        "id": sid(ALBUM, a.id),
        "name": a.title,
        "title": a.title,
        "album": a.title,
        "isDir": True,
        "parent": sid(ARTIST, a.artists[0].id) if a.artists else None,
        "artist": artist_name,
        "artistId": sid(ARTIST, a.artists[0].id) if a.artists else None,
        "coverArt": cover_sid(ALBUM, a.id, a.artwork_key),
        "songCount": a.total_tracks if song_count is None else song_count,
        "duration": duration_ms // 1000,
        "created": when(a.created_at) or CREATED,  # when it entered the catalogue: apps sort "recently added" by it
        "year": a.release_date.year if a.release_date else None,
        "genre": a.genres[0] if a.genres else None,
        "starred": when(starred),
        "userRating": rating,
        "genres": [{"name": g} for g in a.genres],
        "artists": [{"id": sid(ARTIST, x.id), "name": x.name} for x in a.artists],
        "displayArtist": artist_name,
        "releaseTypes": [a.album_type.capitalize()],
        "isCompilation": a.album_type == "compilation",
        "recordLabels": [{"name": a.label.name}] if a.label else None,
        "releaseDate": (
            {"year": a.release_date.year, "month": a.release_date.month, "day": a.release_date.day}
            if a.release_date
            else None
        ),
    }


def artist(a: ArtistSummary, *, album_count: int | None = None, starred: datetime | None = None) -> Payload:
    return {
        "id": sid(ARTIST, a.id),
        "name": a.name,
        "coverArt": cover_sid(ARTIST, a.id, a.artwork_key),
        "albumCount": album_count,
        "starred": when(starred),
    }


def playlist(
    p: PlaylistView, *, owner: str, readonly: bool = False, entries: Iterable[Payload | Ready] | None = None
) -> Payload:
    out: Payload = {
        "id": sid(PLAYLIST, p.id),
        "name": p.name,
        "comment": p.description or None,
        "owner": owner,
        "public": p.public,
        "songCount": p.playable_tracks,  # a withdrawn track is not listed (clients play what they get)
        "duration": p.playable_ms // 1000,
        "created": when(p.created_at),
        "changed": when(p.updated_at),
        "coverArt": cover_sid(PLAYLIST, p.id, p.artwork_key),
        "readonly": readonly,
    }
    if entries is not None:
        out["entry"] = list(entries)
    return out


def music_folder() -> Payload:
    return {"id": ROOT_FOLDER, "name": "Encore"}
