"""Offline quality of the recommender on SYNTHETIC listening with a known taste structure.

`python -m bench.discovery.quality [--listeners 2000] [--tracks 3000] [--groups 25] [--plays 120] [--hide 10]`

Each track belongs to one of `--groups` latent taste groups and has a Zipf popularity; its catalogue genre is
its group's for 60% of tracks and a random one otherwise (so the catalogue half knows something, not all).
Each listener belongs to one group and draws `--plays` plays: 75% from their group (by popularity), 25% from
the whole catalogue (by popularity), some played out, some skipped early. The last `--hide` plays of every
listener are hidden; the recommender is trained (the same code the job runs) on the rest, and each listener
gets 30 tracks they have not played. Hits are hidden tracks the listener had not played before.
Compared with: the 30 most popular unplayed tracks (popularity), and 30 random unplayed tracks.
"""

import argparse
import math
import random
import time
from collections import defaultdict

import numpy as np

from encore.discovery._catalogue import Facts
from encore.discovery._cooccur import item_neighbours, listening_matrix
from encore.discovery._recommend import blend
from encore.discovery._tables import as_lists, merged_neighbours

K = 30
NEIGHBOURS = 50


def _world(args: argparse.Namespace, rng: random.Random) -> tuple[list[int], list[float], list[list[tuple[int, int]]]]:
    group_of = [rng.randrange(args.groups) for _ in range(args.tracks)]
    popularity = [1.0 / (rank + 1) ** 0.8 for rank in rng.sample(range(args.tracks), args.tracks)]
    by_group: dict[int, list[int]] = defaultdict(list)
    for t, g in enumerate(group_of):
        by_group[g].append(t)
    everyone = list(range(args.tracks))
    plays: list[list[tuple[int, int]]] = []
    for _ in range(args.listeners):
        g = rng.randrange(args.groups)
        mine = by_group[g]
        own = rng.choices(mine, weights=[popularity[t] for t in mine], k=args.plays)
        wide = rng.choices(everyone, weights=popularity, k=args.plays)
        history = []
        for n in range(args.plays):
            track = own[n] if rng.random() < 0.75 else wide[n]
            ms = 180_000 if rng.random() < 0.8 else rng.randrange(5_000, 60_000)
            history.append((track, ms))
        plays.append(history)
    return group_of, popularity, plays


def _ndcg(ranked: list[int], hidden: set[int]) -> float:
    dcg = sum(1 / math.log2(i + 2) for i, t in enumerate(ranked) if t in hidden)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(len(hidden), len(ranked))))
    return dcg / ideal if ideal else 0.0


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--listeners", type=int, default=2000)
    p.add_argument("--tracks", type=int, default=3000)
    p.add_argument("--groups", type=int, default=25)
    p.add_argument("--plays", type=int, default=120)
    p.add_argument("--hide", type=int, default=10)
    p.add_argument("--seed", type=int, default=19)
    args = p.parse_args()
    rng = random.Random(args.seed)
    group_of, _popularity, plays = _world(args, rng)

    train = [h[: -args.hide] for h in plays]
    users, items, ms = zip(*((u, t, m) for u, h in enumerate(train) for t, m in h), strict=True)
    started = time.perf_counter()
    matrix = listening_matrix(users, items, ms, n_items=args.tracks)
    counts = np.bincount(np.asarray(items), minlength=args.tracks)
    facts = [
        Facts(t, frozenset({t % 997}), frozenset({g if rng.random() < 0.6 else rng.randrange(args.groups)}),
              None, None, int(counts[t]))
        for t, g in enumerate(group_of)
    ]  # fmt: skip
    neighbours = as_lists(merged_neighbours(item_neighbours(matrix, k=NEIGHBOURS), facts, k=NEIGHBOURS))
    trained_s = time.perf_counter() - started
    popular = sorted(range(args.tracks), key=lambda t: (-counts[t], t))

    scores: dict[str, list[tuple[float, float]]] = {"recommender": [], "popularity": [], "random": []}
    started = time.perf_counter()
    for u, history in enumerate(plays):
        seen = {t for t, _ in train[u]}
        hidden = {t for t, _ in history[-args.hide :]} - seen
        if not hidden:
            continue
        row = matrix.getrow(u)
        seeds = dict(zip(row.indices.tolist(), row.data.tolist(), strict=True))
        picks = {
            "recommender": blend(seeds, neighbours, exclude=seen, limit=K),
            "popularity": [t for t in popular if t not in seen][:K],
            "random": rng.sample([t for t in range(args.tracks) if t not in seen], K),
        }
        for name, ranked in picks.items():
            scores[name].append((len(hidden & set(ranked)) / len(hidden), _ndcg(ranked, hidden)))
    answer_ms = (time.perf_counter() - started) * 1000 / max(1, len(scores["random"]))

    print(f"synthetic: {args.listeners} listeners, {args.tracks} tracks, {args.groups} taste groups, "
          f"{args.plays} plays each, last {args.hide} hidden; trained in {trained_s:.1f} s, "
          f"{answer_ms:.1f} ms per listener's answer (all three methods)")  # fmt: skip
    print(f"| method | recall@{K} | NDCG@{K} |\n| --- | --- | --- |")
    for name, values in scores.items():
        recall = sum(r for r, _ in values) / len(values)
        ndcg = sum(n for _, n in values) / len(values)
        print(f"| {name} | {recall:.3f} | {ndcg:.3f} |")


if __name__ == "__main__":
    main()
