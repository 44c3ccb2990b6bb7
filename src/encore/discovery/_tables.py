"""The neighbour table the training job stores: listening pairs first, catalogue pairs fill what is short."""

from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping, Sequence
from typing import NamedTuple

from encore.discovery._catalogue import Facts, catalogue_neighbours
from encore.discovery._cooccur import Pairs

LISTENING, CATALOGUE = "listening", "catalogue"


class Neighbour(NamedTuple):
    item: int
    neighbour: int
    score: float
    listeners: int
    source: str


def merged_neighbours(listening: Pairs, facts: Sequence[Facts], *, k: int) -> list[Neighbour]:
    """At most k neighbours per item: its listening pairs, then, when it has fewer than k (a cold track),
    catalogue neighbours it does not already have."""
    rows = list(_rows(listening, LISTENING))
    have = Counter(r.item for r in rows)
    taken = {(r.item, r.neighbour) for r in rows}
    short = [f.item for f in facts if have[f.item] < k]
    for row in _rows(catalogue_neighbours(facts, wanted=short, k=k), CATALOGUE):
        if have[row.item] < k and (row.item, row.neighbour) not in taken:
            have[row.item] += 1
            rows.append(row)
    return rows


def _rows(pairs: Pairs, source: str) -> Iterator[Neighbour]:
    for item, other, score, listeners in zip(
        pairs.item.tolist(), pairs.neighbour.tolist(), pairs.score.tolist(), pairs.listeners.tolist(), strict=True
    ):
        yield Neighbour(item, other, score, listeners, source)


def as_lists(rows: Sequence[Neighbour]) -> Mapping[int, list[tuple[int, float]]]:
    """item -> [(neighbour, score)], the shape `blend` reads."""
    lists: dict[int, list[tuple[int, float]]] = defaultdict(list)
    for r in rows:
        lists[r.item].append((r.neighbour, r.score))
    return lists
