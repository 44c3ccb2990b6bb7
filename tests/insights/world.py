"""A small, exact listening world for Wrapped tests: catalogue with genres, two listeners, text-only listens."""

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from encore.accounts import create_user
from encore.catalog import Genre, Track, TrackGenre
from encore.history import Play
from tests.catalog import factories as f

NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)


@dataclass
class World:
    s: Session
    alice: int
    bob: int
    tracks: list[Track]
    serial: int = 0
    added: list[Play] = field(default_factory=list)

    def play(
        self, user: int, track: int | None, at: datetime, *, ms: int = 180_000, text: tuple[str, str] = ("", "")
    ) -> None:
        self.serial += 1
        track_id = self.tracks[track].id if track is not None else None
        row = Play(
            user_id=user, client_play_id=f"p{self.serial:07d}", track_id=track_id,
            started_at=at, updated_at=at, ms_played=ms, state="ended" if ms >= 60_000 else "skipped",
            is_listen=ms >= 60_000, artist_name=text[0] or None, track_name=text[1] or None,
        )  # fmt: skip
        self.s.add(row)

    def flush(self) -> None:
        self.s.flush()


def make_world(s: Session) -> World:
    alice = create_user(s, username="alice", password="alice-password-1").id
    bob = create_user(s, username="bob", password="bob-password-12").id
    nina, omar, lux = f.artist(s, "Nina Vale"), f.artist(s, "Omar Reyes"), f.artist(s, "Lux <script>")
    jazz, rock = Genre(name="Jazz", key="jazz"), Genre(name="Rock", key="rock")
    s.add_all([jazz, rock])
    s.flush()
    a1, a2 = f.album(s, "Harbour Lights", nina), f.album(s, "Dust Roads", omar)
    a3 = f.album(s, "Neon", lux)
    tracks = [
        f.track(s, "Tide", a1, [nina]),  # 0 jazz
        f.track(s, "Lantern", a1, [nina, omar]),  # 1 jazz, two artists
        f.track(s, "Gravel", a2, [omar]),  # 2 rock
        f.track(s, "Mirage", a2, [omar]),  # 3 rock
        f.track(s, "Glow", a3, [lux]),  # 4 no genre
    ]
    for i, g in ((0, jazz), (1, jazz), (2, rock), (3, rock)):
        s.add(TrackGenre(track_id=tracks[i].id, genre_id=g.id))
    s.flush()
    return World(s, alice, bob, tracks)


def seeded_history(w: World, *, user: int, seed: int, count: int, start: datetime, days: int) -> None:
    """Deterministic random plays (same seed, same plays) for the cross-database golden test."""
    rng = random.Random(seed)
    for _ in range(count):
        at = start + timedelta(days=rng.randrange(days), hours=rng.randrange(24), minutes=rng.randrange(60))
        pick = rng.random()
        if pick < 0.1:
            w.play(user, None, at, text=(rng.choice(["Far Band", "Faraway"]), rng.choice(["One", "Two"])))
        else:
            w.play(user, min(int(rng.paretovariate(1.2)) - 1, 4), at, ms=rng.choice([20_000, 150_000, 200_000]))
