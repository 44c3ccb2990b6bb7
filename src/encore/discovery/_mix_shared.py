"""What every listener of one mixes run reads alike, read once per run (`Shared`): the catalogue facts of the
tracks listeners played (artists, genres), names, artist neighbours, this month's releases, each track's
stored neighbours and availability, and the stored popularity. A listener's build then asks the database
only for their own listens, their subscription and their stored mixes; the rest is dictionary lookups.

Each cache fills for the ids it has not seen (one read per batch of new ids), so a run reads each track's
facts once however many listeners played it. A run takes minutes, so a label's change during it reaches
the next run; the faces check availability again when they read a mix (`_mix_reads`)."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import BindParameter, bindparam, func, select
from sqlalchemy.orm import Session

from encore.billing import Content
from encore.catalog import Album, AlbumGenre, Artist, Genre, Track, TrackArtist, TrackGenre, music_track
from encore.discovery._answers import (
    ARTIST_SEED_TRACKS,
    POOL,
    allowed,
    artists_tracks,
    genre_tracks,
    listed_contents,
    popular_in_genres,
)
from encore.discovery._models import ArtistNeighbour
from encore.discovery._popular import stored_popularity
from encore.discovery._service import track_neighbours


def ids(name: str, values: Iterable[int]) -> BindParameter[list[int]]:
    """A list of ids as one expanding parameter: SQLAlchemy does not coerce each id."""
    return bindparam(name, list(values), expanding=True)


@dataclass(frozen=True)
class TrackFacts:
    """What the mixes ask of a played track: its artists, its own genres, its album's, and both (ascending),
    and whether it is listed music (`catalog.music_track`: not an ad, published)."""

    artists: tuple[int, ...]
    own_genres: tuple[int, ...]
    album_genres: tuple[int, ...]
    genres: tuple[int, ...]
    music: bool = True


@dataclass(frozen=True)
class Releases:
    """Music tracks of the releases in Release Radar's window, in its order: (album, track) pairs, and the
    positions of each artist's tracks among them."""

    tracks: list[tuple[int, int]]
    by_artist: dict[int, list[int]]

    def of(self, artists: Iterable[int]) -> list[tuple[int, int]]:
        """The (album, track) pairs of any of `artists`, in the window's order, each once."""
        found = {i for a in artists for i in self.by_artist.get(a, ())}
        return [self.tracks[i] for i in sorted(found)]


@dataclass
class Shared:
    """Per-run caches (see the module's docstring); a fresh one per run, or per request for one listener."""

    lists: dict[int | None, list[int]] = field(default_factory=dict)
    by_artist: dict[int, list[int]] = field(default_factory=dict)
    neighbour_lists: dict[int, list[tuple[int, float]]] = field(default_factory=dict)
    content: dict[int, Content | None] = field(default_factory=dict)
    kinds: list[Content] = field(default_factory=list)  # the distinct contents met, numbered
    kind_of: dict[Content, int] = field(default_factory=dict)
    kind_at: dict[int, int] = field(default_factory=dict)  # track -> its content's number (listed music only)
    popularity: dict[int, int] | None = None  # derivable listens per track (`stored_popularity`)
    popularity_read: bool = False
    track_facts: dict[int, TrackFacts] = field(default_factory=dict)
    artist_names: dict[int, str] = field(default_factory=dict)
    genre_names: dict[int, str | None] = field(default_factory=dict)
    artist_neighbour_lists: dict[int, list[int]] = field(default_factory=dict)
    releases: dict[tuple[date, date], Releases] = field(default_factory=dict)
    catalogue_genres: list[int] | None = None

    def neighbours(self, session: Session, tracks: Iterable[int]) -> dict[int, list[tuple[int, float]]]:
        wanted = list(tracks)
        missing = [t for t in wanted if t not in self.neighbour_lists]
        if missing:
            found = track_neighbours(session, track_ids=missing)
            for t in missing:
                self.neighbour_lists[t] = found.get(t, [])
        return {t: self.neighbour_lists[t] for t in wanted}

    def contents(self, session: Session, tracks: Iterable[int]) -> dict[int, Content | None]:
        wanted = list(tracks)
        missing = [t for t in wanted if t not in self.content]
        if missing:
            found = listed_contents(session, track_ids=missing)
            for t in missing:
                c = self.content[t] = found.get(t)
                if c is not None:
                    self.kind_at[t] = self.kind_of.setdefault(c, len(self.kind_of))
                    if self.kind_at[t] == len(self.kinds):
                        self.kinds.append(c)
        return {t: self.content[t] for t in wanted}

    def playable(self, session: Session, *, user_id: int, tracks: Iterable[int], now: datetime) -> set[int]:
        """`_answers.playable` for a listener's candidates: the run knows each track's content already, so
        only the few distinct contents are decided (`_answers.allowed`: one read of the subscription)."""
        wanted = list(tracks)
        self.contents(session, [t for t in wanted if t not in self.content])
        kinds = {t: self.kind_at[t] for t in wanted if t in self.kind_at}
        yes = allowed(session, user_id=user_id, contents={k: self.kinds[k] for k in set(kinds.values())}, now=now)
        return {t for t, k in kinds.items() if k in yes}

    def ranks(self, session: Session) -> dict[int, int] | None:
        """The popularity the last training stored, read once per run (None before any training: count plays).
        Ranking by it gives what `popular_in_genres` and `artists_tracks` give, without counting the plays of
        a genre or an artist again in every part of every run (minutes at 50M plays)."""
        if not self.popularity_read:
            self.popularity, self.popularity_read = stored_popularity(session), True
        return self.popularity

    def artists(self, session: Session, artists: Sequence[int]) -> dict[int, list[int]]:
        missing = [a for a in artists if a not in self.by_artist]
        if missing:
            ranks = self.ranks(session)
            found = (
                artists_tracks(session, missing) if ranks is None else _by_rank(_artist_tracks(session, missing), ranks)
            )
            for a in missing:
                self.by_artist[a] = found.get(a, [])[:ARTIST_SEED_TRACKS]
        return {a: self.by_artist[a] for a in artists}

    def get(self, session: Session, genre: int | None) -> list[int]:
        if genre not in self.lists:
            genres, ranks = None if genre is None else [genre], self.ranks(session)
            if ranks is None:
                self.lists[genre] = popular_in_genres(session, genre_ids=genres, limit=POOL)
            else:
                self.lists[genre] = _by_rank({0: genre_tracks(session, genre_ids=genres)}, ranks)[0][:POOL]
        return self.lists[genre]

    def facts(self, session: Session, tracks: Iterable[int]) -> dict[int, TrackFacts]:
        """Artists, genres and music-or-not of each track (ids of tracks that exist: the listener's plays')."""
        wanted = list(tracks)
        missing = [t for t in wanted if t not in self.track_facts]
        if missing:
            self.track_facts.update(_read_facts(session, missing))
        return self.track_facts

    def names(self, session: Session, artists: Sequence[int]) -> dict[int, str]:
        missing = [a for a in artists if a not in self.artist_names]
        if missing:
            rows = session.connection().execute(select(Artist.id, Artist.name).where(Artist.id.in_(ids("a", missing))))
            self.artist_names.update({int(a): str(n) for a, n in rows})
        return self.artist_names

    def genre_name(self, session: Session, genre: int | None) -> str | None:
        if genre is None:
            return None
        if genre not in self.genre_names:
            self.genre_names[genre] = session.connection().scalar(select(Genre.name).where(Genre.id == genre))
        return self.genre_names[genre]

    def artist_neighbours(self, session: Session, artists: list[int]) -> dict[int, list[int]]:
        """Each artist's stored neighbours, best first (only genre-less artists need them: a few)."""
        missing = [a for a in artists if a not in self.artist_neighbour_lists]
        if missing:
            rows = session.execute(
                select(ArtistNeighbour.artist_id, ArtistNeighbour.neighbour_id)
                .where(ArtistNeighbour.artist_id.in_(missing))
                .order_by(ArtistNeighbour.artist_id, ArtistNeighbour.score.desc())
            )
            for a in missing:
                self.artist_neighbour_lists[a] = []
            for a, n in rows:
                self.artist_neighbour_lists[a].append(n)
        return {a: self.artist_neighbour_lists[a] for a in artists}

    def recent(self, session: Session, *, since: date, until: date) -> Releases:
        """Music tracks of releases dated in [since, until], newest release first, then album, disc and
        track order (Release Radar's order): few rows, read once per run."""
        key = (since, until)
        if key not in self.releases:
            window = (Album.release_date >= since, Album.release_date <= until, music_track())
            rows = session.execute(
                select(Track.album_id, Track.id)
                .join(Album, Album.id == Track.album_id)
                .where(*window)
                .order_by(Album.release_date.desc(), Album.id, Track.disc_number, Track.track_number, Track.id)
            ).all()
            tracks = [(int(b), int(t)) for b, t in rows]
            position = {t: i for i, (_, t) in enumerate(tracks)}
            by_artist: dict[int, list[int]] = {}
            for t, a in session.execute(
                select(TrackArtist.track_id, TrackArtist.artist_id)
                .join(Track, Track.id == TrackArtist.track_id)
                .join(Album, Album.id == Track.album_id)
                .where(*window)
            ).all():
                by_artist.setdefault(int(a), []).append(position[int(t)])
            self.releases[key] = Releases(tracks, by_artist)
        return self.releases[key]

    def largest_genres(self, session: Session) -> list[int]:
        """The catalogue's 10 largest genres (by albums), for a listener nothing is known about."""
        if self.catalogue_genres is None:
            self.catalogue_genres = list(
                session.scalars(
                    select(AlbumGenre.genre_id)
                    .group_by(AlbumGenre.genre_id)
                    .order_by(func.count().desc(), AlbumGenre.genre_id)
                    .limit(10)
                )
            )
        return self.catalogue_genres


def _read_facts(session: Session, tracks: list[int]) -> dict[int, TrackFacts]:
    """Four indexed reads for a batch of tracks, plain rows on the connection (no ORM loading)."""
    conn = session.connection()
    artists: dict[int, list[int]] = {t: [] for t in tracks}
    own: dict[int, list[int]] = {t: [] for t in tracks}
    album: dict[int, list[int]] = {t: [] for t in tracks}
    reads = (
        (
            artists,
            select(TrackArtist.track_id, TrackArtist.artist_id).where(TrackArtist.track_id.in_(ids("t", tracks))),
        ),
        (own, select(TrackGenre.track_id, TrackGenre.genre_id).where(TrackGenre.track_id.in_(ids("t", tracks)))),
        (
            album,
            select(Track.id, AlbumGenre.genre_id)
            .join(AlbumGenre, AlbumGenre.album_id == Track.album_id)
            .where(Track.id.in_(ids("t", tracks))),
        ),
    )
    for into, statement in reads:
        for t, x in conn.execute(statement).all():
            into[t].append(x)
    music = set(conn.scalars(select(Track.id).where(Track.id.in_(ids("t", tracks)), music_track())))
    return {
        t: TrackFacts(tuple(sorted(artists[t])), tuple(sorted(own[t])), tuple(sorted(album[t])),
                      tuple(sorted({*own[t], *album[t]})), t in music)
        for t in tracks
    }  # fmt: skip


def _by_rank(lists: dict[int, list[int]], ranks: dict[int, int]) -> dict[int, list[int]]:
    """Each list most listened first, then by id (the order the SQL of `popular_in_genres` gives)."""
    return {k: sorted(v, key=lambda t: (-ranks.get(t, 0), t)) for k, v in lists.items()}


def _artist_tracks(session: Session, artists: Sequence[int]) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    rows = session.execute(
        select(TrackArtist.artist_id, Track.id)
        .join(TrackArtist, TrackArtist.track_id == Track.id)
        .where(TrackArtist.artist_id.in_(ids("artists", artists)), music_track())
    )
    for artist, track in rows:
        out.setdefault(int(artist), []).append(int(track))
    return out
