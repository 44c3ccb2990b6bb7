"""The recommender's pure parts: the 5-listener rule, co-listening pairs, catalogue fill, blending."""

from encore.discovery import MIN_LISTENERS, may_derive, may_learn_from
from encore.discovery._catalogue import Facts, similarity
from encore.discovery._cooccur import Pairs, item_neighbours, listening_matrix
from encore.discovery._recommend import blend
from encore.discovery._tables import as_lists, merged_neighbours


def _plays(listeners: range, tracks: list[int], ms: int = 180_000) -> list[tuple[int, int, int]]:
    return [(u, t, ms) for u in listeners for t in tracks]


def _pairs(plays: list[tuple[int, int, int]], n_items: int) -> dict[tuple[int, int], int]:
    p = _matrix_pairs(plays, n_items)
    return dict(zip(zip(p.item.tolist(), p.neighbour.tolist(), strict=True), p.listeners.tolist(), strict=True))


def test_the_rule_is_five_distinct_listeners() -> None:
    assert MIN_LISTENERS == 5
    assert may_derive(distinct_listeners=5).allowed and may_derive(distinct_listeners=500).allowed
    assert not may_derive(distinct_listeners=4).allowed
    assert may_derive(distinct_listeners=4).reason == "too_few_listeners"
    assert not may_learn_from(contributes=False).allowed and may_learn_from(contributes=True).allowed


def test_a_pair_shared_by_four_listeners_is_never_derived_five_is() -> None:
    four = _pairs(_plays(range(4), [0, 1]), 2)
    assert four == {}
    five = _pairs(_plays(range(5), [0, 1]), 2)
    assert five == {(0, 1): 5, (1, 0): 5}


def test_one_listener_playing_a_pair_many_times_counts_once() -> None:
    heavy = _plays(range(1), [0, 1]) * 50 + _plays(range(1, 4), [0, 1])
    assert _pairs(heavy, 2) == {}


def test_shared_listeners_rank_above_a_thin_coincidence() -> None:
    plays = _plays(range(20), [0, 1]) + _plays(range(5), [2]) + _plays(range(20, 40), [2])
    lists = as_lists(merged_neighbours(_matrix_pairs(plays, 3), [], k=10))
    assert [n for n, _ in lists[0]][:2] == [1, 2]


def _matrix_pairs(plays: list[tuple[int, int, int]], n_items: int) -> Pairs:
    users, items, ms = zip(*plays, strict=True)
    return item_neighbours(listening_matrix(users, items, ms, n_items=n_items), k=10)


def test_cold_tracks_get_catalogue_neighbours_by_artist_genre_label_and_era() -> None:
    facts = [
        Facts(0, frozenset({1}), frozenset({7}), 3, 1999, 10),
        Facts(1, frozenset({1}), frozenset({7}), 3, 2001, 0),  # same artist, genre, label, era: nobody played it
        Facts(2, frozenset({2}), frozenset({7}), None, 1970, 5),  # only the genre
        Facts(3, frozenset({9}), frozenset({8}), None, None, 50),  # nothing in common
    ]
    assert similarity(facts[0], facts[1]) > similarity(facts[0], facts[2]) > similarity(facts[0], facts[3]) == 0
    rows = merged_neighbours(_matrix_pairs(_plays(range(6), [0, 2]), 4), facts, k=3)
    lists = as_lists(rows)
    assert [n for n, _ in lists[1]] == [0, 2]  # the cold track, from the catalogue alone
    assert {r.source for r in rows if r.item == 1} == {"catalogue"} and all(
        r.listeners == 0 for r in rows if r.item == 1
    )
    assert lists[0][0][0] == 2 and {r.source for r in rows if (r.item, r.neighbour) == (0, 2)} == {"listening"}
    assert 3 not in lists


def test_a_catalogue_of_one_track_has_no_neighbours() -> None:
    rows = merged_neighbours(
        _matrix_pairs(_plays(range(9), [0]), 1), [Facts(0, frozenset({1}), frozenset(), None, None, 9)], k=5
    )
    assert rows == []


def test_blend_sums_seed_weighted_scores_and_leaves_out_seeds_and_excluded() -> None:
    neighbours = {1: [(2, 0.5), (3, 0.4)], 4: [(3, 0.4), (5, 0.9), (1, 0.9)]}
    assert blend({1: 1.0, 4: 1.0}, neighbours, limit=10) == [5, 3, 2]
    assert blend({1: 1.0, 4: 1.0}, neighbours, exclude={5}, limit=1) == [3]
    assert blend({}, neighbours, limit=3) == []
