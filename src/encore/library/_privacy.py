"""What may be derived from other people's listening (#15, hole 5).

`getSimilarSongs2` once returned exactly another listener's private top 10 after one shared play.
Anything computed from others' plays (tracks "also played", an artist's top songs, later the
recommender) counts an item or a pair only when at least `MIN_LISTENERS` distinct listeners stand
behind it, so no one's history can be read back from the answer.
"""

MIN_LISTENERS = 5


def enough_listeners(distinct_listeners: int, *, minimum: int = MIN_LISTENERS) -> bool:
    """May a figure that `distinct_listeners` people contributed to be shown to someone else?"""
    return distinct_listeners >= minimum
