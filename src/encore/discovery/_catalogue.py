"""Catalogue similarity: the half of the recommender for tracks and artists nobody has played together yet.
A pure function of what the catalogue says (artists, genres, label, release year) and public popularity."""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from encore.discovery._cooccur import Pairs, top_k

# Shares of a catalogue score (sums to 1); listening scores stay above catalogue ones of the same strength.
SAME_ARTIST, GENRES, SAME_LABEL, ERA = 0.45, 0.35, 0.1, 0.1
ERA_YEARS = 10  # release years this far apart share nothing of an era
CATALOGUE_WEIGHT = 0.25  # a catalogue neighbour's score is scaled into [0, 0.25]
PER_GROUP = 200  # candidates taken from each shared artist, genre or label: the most popular ones


@dataclass(frozen=True)
class Facts:
    item: int
    artists: frozenset[int]
    genres: frozenset[int]
    label: int | None
    year: int | None
    popularity: int


def similarity(a: Facts, b: Facts) -> float:
    """How alike two items are by the catalogue alone, in [0, 1]."""
    score = SAME_ARTIST if a.artists & b.artists else 0.0
    if a.genres and b.genres:
        score += GENRES * len(a.genres & b.genres) / len(a.genres | b.genres)
    if a.label is not None and a.label == b.label:
        score += SAME_LABEL
    if a.year is not None and b.year is not None:
        score += ERA * max(0.0, 1 - abs(a.year - b.year) / ERA_YEARS)
    return score


def catalogue_neighbours(facts: Sequence[Facts], *, wanted: Iterable[int], k: int) -> Pairs:
    """Up to k catalogue neighbours for each wanted item, from items sharing an artist, genre or label."""
    groups: dict[tuple[str, int], list[Facts]] = defaultdict(list)
    for f in sorted(facts, key=lambda f: (-f.popularity, f.item)):
        for key in _keys(f):
            if len(groups[key]) < PER_GROUP:
                groups[key].append(f)
    by_item = {f.item: f for f in facts}
    rows: list[int] = []
    cols: list[int] = []
    scores: list[float] = []
    for item in wanted:
        me = by_item.get(item)
        if me is None:
            continue
        seen = {item}
        for key in _keys(me):
            for other in groups.get(key, ()):
                if other.item in seen:
                    continue
                seen.add(other.item)
                s = similarity(me, other)
                if s > 0:
                    rows.append(item)
                    cols.append(other.item)
                    scores.append(CATALOGUE_WEIGHT * s)
    import numpy as np  # where used: the serving process starts without numpy (#16)

    r, c = np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64)
    return top_k(r, c, np.array(scores, dtype=np.float64), np.zeros(r.size, dtype=np.int64), k=k)


def _keys(f: Facts) -> list[tuple[str, int]]:
    keys = [("artist", a) for a in f.artists] + [("genre", g) for g in f.genres]
    return keys + ([("label", f.label)] if f.label is not None else [])
