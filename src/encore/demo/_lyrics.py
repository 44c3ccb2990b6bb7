"""Generated LRC lyrics for some demo tracks, written as `.lrc` sidecars so ingest reads them as it would a
label's delivery. Deterministic per track (its seed); lines every 2-4 s, all inside the track."""

import random

from encore.demo._plan import NOUNS, WORDS, DemoTrack

FIRST_LINE_S = 0.4
END_MARGIN_S = 0.6
_SHAPES = (  # NOUNS are plural ("lights"), WORDS are adjectives or nouns used as such ("neon")
    "{w} {n}, {w} {n}",
    "we ran through the {w} {n} again",
    "all the {n} turning {w}",
    "hold the {n}, hold them {w}",
    "{w} light on the {w} {n}",
    "say it like the {n} said",
)


def has_lyrics(track: DemoTrack) -> bool:
    return track.number % 2 == 1  # "some" tracks: the odd-numbered ones of each album


def demo_lrc(track: DemoTrack) -> str | None:
    if not has_lyrics(track):
        return None
    rng = random.Random(track.seed)
    lines = ["[la:eng]", f"[ti:{track.title}]"]
    at = FIRST_LINE_S
    while at < track.seconds - END_MARGIN_S:
        words = rng.choice(_SHAPES).format(w=rng.choice(WORDS), n=rng.choice(NOUNS).lower())
        ms = round(at * 1000)
        lines.append(f"[{ms // 60000:02d}:{ms // 1000 % 60:02d}.{ms % 1000 // 10:02d}]{words.capitalize()}")
        at += rng.uniform(2.0, 4.0)
    return "\n".join(lines) + "\n"
