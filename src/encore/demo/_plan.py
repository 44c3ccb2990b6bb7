"""The demo catalogue's plan: labels, artists, albums and tracks, deterministic from a seed."""

import random
from dataclasses import dataclass, field
from datetime import date

LABELS = [
    ("Universal Sound Group", "major"),
    ("Sonora Music Entertainment", "major"),
    ("Warner Meridian", "major"),
    ("Little Fox Records", "indie"),
    ("Basement Tapes Collective", "indie"),
    ("Café Nord Disques", "indie"),
]
ARTISTS = [
    ("Aurora Lights", "Synthpop"),
    ("Émilie Ångström", "Folk"),
    ("The Velvet Foxes", "Indie Rock"),
    ("Kofi & The Tides", "Jazz"),
    ("Neon Harbour", "Electronic"),
    ("Mira Sol", "Ambient"),
    ("Static Gardens", "Indie Rock"),
    ("Lumen Drive", "Electronic"),
    ("Café Señor", "Jazz"),
    ("Paper Satellites", "Synthpop"),
    ("Juniper Vale", "Folk"),
    ("MC Orbit", "Hip-Hop"),
    ("Glass Pilots", "Electronic"),
    ("Willow & Ash", "Folk"),
    ("Night Cartographers", "Ambient"),
    ("Rue Bleue", "Jazz"),
]
WORDS = [
    "midnight",
    "river",
    "silver",
    "echo",
    "garden",
    "neon",
    "velvet",
    "harbour",
    "paper",
    "winter",
    "summer",
    "golden",
    "quiet",
    "electric",
    "wild",
    "ocean",
    "city",
    "morning",
    "shadow",
    "lantern",
    "honey",
    "thunder",
    "satellite",
    "orchard",
    "mirror",
    "glass",
    "northern",
]
NOUNS = [
    "lights",
    "dreams",
    "waves",
    "roads",
    "letters",
    "fires",
    "skies",
    "hearts",
    "tides",
    "rooms",
    "songs",
    "signals",
]
ALBUM_TYPES = ["album", "album", "album", "ep", "single"]


@dataclass(frozen=True)
class DemoSpec:
    artists: int = 12
    albums: int = 20
    tracks: int = 150
    min_track_s: float = 30.0
    max_track_s: float = 90.0
    seed: int = 7
    history_years: int | None = None  # made-up listening: None = every recent year and the decade; N = the last N


@dataclass(frozen=True)
class DemoArtist:
    name: str
    genre: str
    label: int  # index into labels
    tempo: tuple[int, int]
    timbre: int  # seeds the artist's sound


@dataclass(frozen=True)
class DemoTrack:
    title: str
    artists: list[str]
    number: int
    seconds: float
    isrc: str
    explicit: bool
    seed: int
    timbre: int  # the performing artist's sound
    tempo: tuple[int, int]
    fmt: str  # flac | mp3 | ogg
    voice: bool = False  # a synthesised voice (the interview exclusive) instead of music: demo/_voice.py


@dataclass(frozen=True)
class DemoAlbum:
    title: str
    artist: str  # album artist ("Various Artists" for the compilation)
    album_type: str
    released: date
    label: str | None  # None: no label tag (the ad spot: an advertiser's audio is no label's release)
    label_kind: str | None
    upc: str
    genre: str
    embed_art: bool
    palette: int
    tracks: list[DemoTrack] = field(default_factory=list)


@dataclass(frozen=True)
class DemoCatalogue:
    labels: list[tuple[str, str]]
    artists: list[DemoArtist]
    albums: list[DemoAlbum]

    @property
    def track_count(self) -> int:
        return sum(len(a.tracks) for a in self.albums)


def upc_with_check(body11: str) -> str:
    odd = sum(int(d) for d in body11[0::2])
    even = sum(int(d) for d in body11[1::2])
    return body11 + str((10 - (odd * 3 + even) % 10) % 10)


def _title(rng: random.Random) -> str:
    return f"{rng.choice(WORDS)} {rng.choice(NOUNS)}".title()


def _split(total: int, parts: int, rng: random.Random) -> list[int]:
    counts = [1] * parts
    for _ in range(total - parts):
        counts[rng.randrange(parts)] += 1
    return counts


def plan_catalogue(spec: DemoSpec) -> DemoCatalogue:
    rng = random.Random(spec.seed)
    artists = [
        DemoArtist(name, genre, i % len(LABELS), (rng.randint(70, 110), rng.randint(111, 160)), rng.randrange(10**6))
        for i, (name, genre) in enumerate(ARTISTS[: spec.artists])
    ]
    counts = _split(spec.tracks, spec.albums, rng)
    albums, serial = [], 0
    for index, count in enumerate(counts):
        compilation = index == spec.albums - 1 and spec.artists > 2
        owner = artists[index % len(artists)]
        label_name, label_kind = LABELS[owner.label]
        album_type = "compilation" if compilation else ("single" if count <= 2 else rng.choice(ALBUM_TYPES[:4]))
        album = DemoAlbum(
            title=f"{_title(rng)}" if not compilation else "Encore Sampler Vol. 1",
            artist="Various Artists" if compilation else owner.name,
            album_type=album_type,
            released=date(rng.randint(2015, 2026), rng.randint(1, 12), rng.randint(1, 28)),
            label=label_name,
            label_kind=label_kind,
            upc=upc_with_check(f"0{rng.randrange(10**10):010d}"),
            genre=owner.genre,
            embed_art=index % 2 == 0,
            palette=rng.randrange(10**6),
        )
        for number in range(1, count + 1):
            serial += 1
            performer = rng.choice(artists) if compilation else owner
            names = [performer.name]
            if not compilation and rng.random() < 0.1:
                names.append(rng.choice([a.name for a in artists if a.name != owner.name]))
            album.tracks.append(
                DemoTrack(
                    title=_title(rng),
                    artists=names,
                    number=number,
                    seconds=round(rng.uniform(spec.min_track_s, spec.max_track_s), 2),
                    isrc=f"GBENC{24 + serial // 100000:02d}{serial % 100000:05d}",
                    explicit=rng.random() < 0.08,
                    seed=rng.randrange(10**9),
                    timbre=performer.timbre,
                    tempo=performer.tempo,
                    fmt=("flac", "flac", "mp3", "ogg")[serial % 4],
                )
            )
        albums.append(album)
    return DemoCatalogue(LABELS, artists, albums)
