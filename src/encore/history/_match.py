"""Match listens kept by text to catalogue tracks: ISRC first, then folded artist and title."""

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from encore.catalog import Artist, Track, TrackArtist, identity_key, music_track
from encore.history._models import Play

CHUNK = 500


@lru_cache(maxsize=1 << 16)  # folding is the hot spot of a big import; histories repeat their titles a lot
def text_key(artist_name: str, track_name: str) -> str:
    """'The  Beatles', 'HEY JUDE' and 'the beatles', 'Hey Jude' share one key (sha1 of the identity key)."""
    return hashlib.sha1(identity_key(artist_name, track_name).encode(), usedforsecurity=False).hexdigest()


@lru_cache(maxsize=1 << 14)
def _artist_key(name: str) -> str:
    return identity_key(name)


def _chunks(items: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def resolve_tracks(session: Session, items: Sequence[tuple[str, str, str | None]]) -> dict[str, int]:
    """For (artist, title, isrc) triples: {"isrc:<ISRC>": track id} and {text_key: track id} where found."""
    found: dict[str, int] = {}
    isrcs = sorted({i.upper() for _, _, i in items if i})
    for chunk in _chunks(isrcs):
        for track_id, isrc in session.execute(
            select(Track.id, Track.isrc).where(Track.isrc.in_(chunk), music_track()).order_by(Track.id.desc())
        ):
            found["isrc:" + str(isrc).upper()] = track_id  # lowest id wins: rows come highest first
    wanted = {text_key(a, t) for a, t, _ in items}
    artist_keys = sorted({_artist_key(a) for a in {a for a, _, _ in items}})
    for chunk in _chunks(artist_keys):
        rows = session.execute(
            select(Track.id, Track.title, Artist.name)
            .join(TrackArtist, TrackArtist.track_id == Track.id)
            .join(Artist, Artist.id == TrackArtist.artist_id)
            .where(Artist.name_key.in_(chunk), music_track())  # a listen never matches ad audio
            .order_by(Track.id.desc())
        )
        for track_id, title, artist in rows:
            key = text_key(artist, title)
            if key in wanted:
                found[key] = track_id
    return found


@dataclass(frozen=True)
class KnownTrack:
    public_id: str
    title: str
    artist: str
    album: str


def catalogue_text(session: Session, track_ids: set[int]) -> dict[int, KnownTrack]:
    out: dict[int, KnownTrack] = {}
    ids = sorted(track_ids)
    for start in range(0, len(ids), CHUNK):
        for track in session.scalars(select(Track).where(Track.id.in_(ids[start : start + CHUNK]))):
            artists = ", ".join(ta.artist.name for ta in track.artists) or track.album.title
            out[track.id] = KnownTrack(track.public_id, track.title, artists, track.album.title)
    return out


def match_listens(session: Session, *, batch: int = 1000) -> int:
    """Link every unmatched text listen whose track is now in the catalogue; run after each ingest.

    Returns the number of plays newly linked. Safe to re-run: matched rows lose their match_key.
    """
    linked = 0
    after = ""
    while True:
        groups = session.execute(
            select(Play.match_key, Play.artist_name, Play.track_name, Play.isrc)
            .where(Play.match_key.is_not(None), Play.match_key > after)
            .group_by(Play.match_key, Play.artist_name, Play.track_name, Play.isrc)
            .order_by(Play.match_key)
            .limit(batch)
        ).all()
        if not groups:
            return linked
        after = str(groups[-1][0])
        triples = [(str(a or ""), str(t or ""), i) for _, a, t, i in groups]
        found = resolve_tracks(session, triples)
        for key, _artist, _title, isrc in groups:
            if isrc and ("isrc:" + isrc.upper()) in found:
                linked += _link(session, found["isrc:" + isrc.upper()], Play.match_key == key, Play.isrc == isrc)
            if key in found:
                linked += _link(session, found[key], Play.match_key == key)


def _link(session: Session, track_id: int, *where: object) -> int:
    result = session.execute(
        update(Play).where(*where).values(track_id=track_id, match_key=None),  # type: ignore[arg-type]
        execution_options={"synchronize_session": False},
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
