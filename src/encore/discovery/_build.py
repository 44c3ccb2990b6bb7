"""Training: read listening and the catalogue, compute neighbour tables (pure), replace the stored ones."""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from encore.catalog import Album, AlbumGenre, Track, TrackArtist, TrackGenre, catalogue_changed, music_track
from encore.discovery._catalogue import Facts
from encore.discovery._cooccur import item_neighbours, listening_matrix
from encore.discovery._models import ArtistNeighbour, TrackNeighbour, TrainingContributor
from encore.discovery._popular import derivable, listen_counts, opted_out, store_counts
from encore.discovery._tables import Neighbour, merged_neighbours
from encore.history import Play, visible

NEIGHBOURS = 50  # stored per track and per artist
_Key = Callable[[int], list[int]]  # a played track -> the items it counts for (itself, or its artists)


@dataclass(frozen=True)
class TrainStats:
    listeners: int
    tracks: int
    track_pairs: int
    artist_pairs: int
    catalogue_pairs: int

    def as_dict(self) -> dict[str, int]:
        return self.__dict__.copy()


def train(session: Session, *, now: datetime) -> TrainStats:
    """Rebuild both neighbour tables and the contributor list from every contributing listener's plays."""
    signal = _listening(session)
    counts = listen_counts(session)  # stored for the mixes job; the same numbers as derivable_listens()
    facts = _track_facts(session, derivable(counts, listen_counts(session, opted_out_only=True)))
    track_rows = _neighbours(signal, facts, key=lambda t: [t])
    artists_of = {f.item: sorted(f.artists) for f in facts}
    artist_rows = _neighbours(signal, _artist_facts(facts), key=lambda t: artists_of.get(t, []))
    session.execute(delete(TrackNeighbour))
    session.execute(delete(ArtistNeighbour))
    session.execute(delete(TrainingContributor))
    store_counts(session, counts)
    _insert(session, TrackNeighbour, "track_id", track_rows)
    _insert(session, ArtistNeighbour, "artist_id", artist_rows)
    contributors = sorted({u for u, _, _ in signal})
    if contributors:
        session.execute(insert(TrainingContributor), [{"user_id": u, "trained_at": now} for u in contributors])
    # The serving processes keep what the apps' answers read per seed with the catalogue's views (`_hot`):
    # moving the catalogue's version drops those copies once the new tables are committed.
    catalogue_changed(session)
    return TrainStats(
        listeners=len(contributors),
        tracks=len(facts),
        track_pairs=sum(r.source == "listening" for r in track_rows),
        artist_pairs=sum(r.source == "listening" for r in artist_rows),
        catalogue_pairs=sum(r.source == "catalogue" for r in track_rows + artist_rows),
    )


def _listening(session: Session) -> list[tuple[int, int, int]]:
    """(user, track, ms played) summed, music only, from listeners who contribute (opt-outs left out)."""
    rows = session.execute(
        select(Play.user_id, Play.track_id, func.sum(Play.ms_played))
        .join(Track, Track.id == Play.track_id)
        .where(Play.ms_played > 0, music_track(), Play.user_id.not_in(opted_out()), visible())
        .group_by(Play.user_id, Play.track_id)
    )
    return [(int(u), int(t), int(ms)) for u, t, ms in rows if t is not None]


def _neighbours(signal: list[tuple[int, int, int]], facts: list[Facts], *, key: _Key) -> list[Neighbour]:
    """Map ids to dense indexes, learn the listening pairs, blend in the catalogue, map back."""
    import numpy as np  # where used: the serving process starts without numpy (#16)

    ids = sorted({f.item for f in facts})
    index = {item: i for i, item in enumerate(ids)}
    users = {u: i for i, u in enumerate(sorted({u for u, _, _ in signal}))}
    triples = [(users[u], index[i], ms) for u, t, ms in signal for i in key(t) if i in index]
    columns = np.array(triples, dtype=np.int64).reshape(-1, 3)
    matrix = listening_matrix(columns[:, 0], columns[:, 1], columns[:, 2], n_items=len(ids))
    pairs = item_neighbours(matrix, k=NEIGHBOURS)
    dense = [Facts(index[f.item], f.artists, f.genres, f.label, f.year, f.popularity) for f in facts]
    rows = merged_neighbours(pairs, dense, k=NEIGHBOURS)
    return [r._replace(item=ids[r.item], neighbour=ids[r.neighbour]) for r in rows]


def _track_facts(session: Session, listens: dict[int, int]) -> list[Facts]:
    """Every music track's artists, genres (its own and its album's), label, release year and derivable listens."""
    artists: dict[int, set[int]] = defaultdict(set)
    genres: dict[int, set[int]] = defaultdict(set)
    for track, artist in session.execute(select(TrackArtist.track_id, TrackArtist.artist_id)):
        artists[track].add(artist)
    for track, genre in session.execute(select(TrackGenre.track_id, TrackGenre.genre_id)):
        genres[track].add(genre)
    album_genres: dict[int, set[int]] = defaultdict(set)
    for album, genre in session.execute(select(AlbumGenre.album_id, AlbumGenre.genre_id)):
        album_genres[album].add(genre)
    rows = session.execute(
        select(Track.id, Track.album_id, Album.label_id, Album.release_date)
        .join(Album, Album.id == Track.album_id)
        .where(music_track())
        .order_by(Track.id)
    )
    return [
        Facts(
            item=track,
            artists=frozenset(artists[track]),
            genres=frozenset(genres[track] | album_genres[album]),
            label=label,
            year=released.year if released else None,
            popularity=listens.get(track, 0),
        )
        for track, album, label, released in rows
    ]


def _artist_facts(tracks: list[Facts]) -> list[Facts]:
    """An artist is known by the genres and labels of its tracks; it has no 'same artist' of its own."""
    genres: dict[int, set[int]] = defaultdict(set)
    labels: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    listens: dict[int, int] = defaultdict(int)
    for t in tracks:
        for a in t.artists:
            genres[a] |= t.genres
            listens[a] += t.popularity
            if t.label is not None:
                labels[a][t.label] += 1
    return [
        Facts(
            item=a,
            artists=frozenset(),
            genres=frozenset(genres[a]),
            label=max(labels[a], key=lambda lab: (labels[a][lab], -lab)) if labels[a] else None,
            year=None,
            popularity=listens[a],
        )
        for a in sorted(genres)
    ]


def _insert(
    session: Session, model: type[TrackNeighbour] | type[ArtistNeighbour], column: str, rows: list[Neighbour]
) -> None:
    batch = 5_000
    for start in range(0, len(rows), batch):
        session.execute(
            insert(model),
            [
                {
                    column: r.item,
                    "neighbour_id": r.neighbour,
                    "score": r.score,
                    "listeners": r.listeners,
                    "source": r.source,
                }
                for r in rows[start : start + batch]
            ],
        )
