"""One pass over (bucket, track) rows: per-key listens and minutes for tracks, artists, albums and genres, each
track described once (its keys and shown fields). Pure: no database here; the caller loads track info."""

from dataclasses import dataclass, field

from encore.catalog import identity_key
from encore.insights import _queries as q
from encore.insights._tally import Counter, Shown

Text = tuple[str | None, str | None, str | None]  # artist, track and release names of an uncatalogued listen
Ident = int | Text  # a catalogue track id, or the text of an uncatalogued track


class ShownFields(dict[str, Shown]):
    """Display fields by key. Catalogue tracks and albums are filled in on first lookup: ranking asks
    only for keys near the top, so a heavy listener's 15,000 tracks do not each build their fields."""

    def __init__(self, info: dict[int, q.TrackInfo]) -> None:
        super().__init__()
        self.info = info
        self.album_track: dict[str, int] = {}  # album key -> the track whose lead artist the album shows

    def __missing__(self, key: str) -> Shown:
        kind, _, rest = key.partition(":")
        if kind == "t":
            track = self.info[int(rest)]
            value: Shown = (track.title, track.artists[0][1] if track.artists else "", track.public_id)
        elif kind == "al":
            track = self.info[self.album_track[key]]
            value = (track.album_title, track.artists[0][1] if track.artists else "", track.album_public_id)
        else:
            raise KeyError(key)
        self[key] = value
        return value


@dataclass
class Tallies:
    shown: ShownFields
    tracks: Counter = field(default_factory=Counter)
    artists: Counter = field(default_factory=Counter)
    albums: Counter = field(default_factory=Counter)
    genres: Counter = field(default_factory=Counter)
    buckets: dict[str, tuple[Counter, Counter, Counter]] = field(default_factory=dict)  # tracks, artists, genres
    artist_ids: dict[str, int | None] = field(default_factory=dict)  # artist key -> catalogue id
    links: dict[Ident, q.Links] = field(default_factory=dict)  # each track's keys, in the order described


def describe(t: Tallies, tid: int | None, text: Text) -> q.Links:
    """The keys of a tally entry, registering the shown fields of its artists and genres (and, for a
    text-only track, its own). Called once per distinct track, in the order tracks were first seen, so
    that the first-seen artist name and the last-seen album track win, as they always have.
    """
    track = t.shown.info.get(tid) if tid is not None else None
    shown, ids = t.shown, t.artist_ids
    if track is not None:
        shown.album_track[track.album_key] = tid  # type: ignore[assignment]
        links = track.links
        for a, (artist_id, name, _, public_id) in zip(links.artists, track.artists, strict=True):
            if a not in ids:
                ids[a] = artist_id
                shown.setdefault(a, (name, "", public_id))
        for g, name in zip(links.genres, track.genres, strict=True):
            if g not in shown:
                shown[g] = (name, "", None)
        return links
    artist, title = text[0] or "Unknown artist", text[1] or "Unknown track"
    key, artist_key = "x:" + identity_key(artist, title), "ar:" + identity_key(artist)
    shown.setdefault(key, (title, artist, None))
    shown.setdefault(artist_key, (artist, "", None))
    ids.setdefault(artist_key, None)
    album = None
    if text[2]:
        album = "xa:" + identity_key(artist, text[2])
        shown.setdefault(album, (text[2], artist, None))
    return q.Links(key, [artist_key], album, [])


def tally(rows: list[q.TrackRow], info: dict[int, q.TrackInfo], *, buckets: bool = True) -> Tallies:
    """Per-track totals and per-bucket counts from the (bucket, track) rows; each track described once.
    `buckets=False` leaves `buckets` empty: a part's tally (`_month_tally.build`) has one bucket, the
    part itself, whose counts are its totals, and never reads them (half of this loop's work).

    Written with plain dict operations: this loop sees one row per (bucket, track), tens of thousands
    for a heavy listener's decade.
    """
    t = Tallies(ShownFields(info))
    totals: dict[Ident, list[int]] = {}  # catalogue id, or the text of an uncatalogued track -> [n, ms]
    per_bucket: dict[str, list[tuple[Ident, int, int]]] = {}
    for b, tid, artist, title, release, n, ms in rows:
        ident = tid if tid is not None else (artist, title, release)
        total = totals.get(ident)
        if total is None:
            totals[ident] = [n, ms]
        else:
            total[0] += n
            total[1] += ms
        if buckets:
            entries = per_bucket.get(b)
            if entries is None:
                entries = per_bucket[b] = []
            entries.append((ident, n, ms))
    described = t.links
    tn, tms = t.tracks.listens, t.tracks.ms
    an, ams, gn, gms, aln, alms = (
        t.artists.listens,
        t.artists.ms,
        t.genres.listens,
        t.genres.ms,
        t.albums.listens,
        t.albums.ms,
    )
    for ident, (n, ms) in totals.items():
        track = described[ident] = (
            describe(t, ident, (None, None, None)) if isinstance(ident, int) else describe(t, None, ident)
        )
        key = track.key
        tn[key] = tn.get(key, 0) + n
        tms[key] = tms.get(key, 0) + ms
        for k in track.artists:
            an[k] = an.get(k, 0) + n
            ams[k] = ams.get(k, 0) + ms
        if track.album is not None:
            aln[track.album] = aln.get(track.album, 0) + n
            alms[track.album] = alms.get(track.album, 0) + ms
        for k in track.genres:
            gn[k] = gn.get(k, 0) + n
            gms[k] = gms.get(k, 0) + ms
    _bucket_counts(t, per_bucket)
    return t


def _bucket_counts(t: Tallies, per_bucket: dict[str, list[tuple[Ident, int, int]]]) -> None:
    """Each bucket's track, artist and genre counts, from its (track, listens, ms) entries in row order."""
    described = t.links
    for b, entries in per_bucket.items():
        tracks, artists, genres = t.buckets[b] = (Counter(), Counter(), Counter())
        btn, btms, ban, bams, bgn, bgms = (
            tracks.listens,
            tracks.ms,
            artists.listens,
            artists.ms,
            genres.listens,
            genres.ms,
        )
        for ident, n, ms in entries:
            track = described[ident]
            key = track.key
            btn[key] = btn.get(key, 0) + n
            btms[key] = btms.get(key, 0) + ms
            for k in track.artists:  # inlined: this runs once per (bucket, track, artist)
                ban[k] = ban.get(k, 0) + n
                bams[k] = bams.get(k, 0) + ms
            for k in track.genres:
                bgn[k] = bgn.get(k, 0) + n
                bgms[k] = bgms.get(k, 0) + ms
