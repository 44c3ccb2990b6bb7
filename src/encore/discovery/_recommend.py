"""Answers from neighbour lists: what a set of seeds (a listener's history, a radio's tracks) points to."""

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence


def blend(
    seeds: Mapping[int, float],
    neighbours: Mapping[int, Sequence[tuple[int, float]]],
    *,
    exclude: Collection[int] = (),
    limit: int,
) -> list[int]:
    """Items ranked by the seed-weighted sum of their neighbour scores; seeds and `exclude` left out."""
    total: dict[int, float] = defaultdict(float)
    for seed, weight in seeds.items():
        for other, score in neighbours.get(seed, ()):
            total[other] += weight * score
    ranked = sorted((-score, item) for item, score in total.items() if item not in seeds and item not in exclude)
    return [item for _, item in ranked[:limit]]  # best score first, ties by id
