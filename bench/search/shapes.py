"""The query shapes of issue #16, shared by every search benchmark (no Encore import: an older tree can run them)."""

import random

from bench.search.words import WORDS

SHAPES = ("prefix2", "prefix3", "word", "two-words", "typo")


def typo(rng: random.Random, word: str) -> str:
    i = rng.randrange(1, len(word) - 1)
    edit = rng.choice(["change", "drop", "double", "swap"])
    if edit == "change":
        return word[:i] + rng.choice("abcdefghijklmnopqrstuvwxyz".replace(word[i], "")) + word[i + 1 :]
    if edit == "drop":
        return word[:i] + word[i + 1 :]
    if edit == "double":
        return word[:i] + word[i] + word[i:]
    return word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :]


def queries(rng: random.Random, n: int) -> list[tuple[str, str]]:
    out = []
    for i in range(n):
        shape = SHAPES[i % len(SHAPES)]
        word = rng.choice([w for w in WORDS if len(w) >= 4]) if shape == "typo" else rng.choice(WORDS)
        q = {
            "prefix2": word[:2],
            "prefix3": word[:3],
            "word": word,
            "two-words": f"{word} {rng.choice(WORDS)[:3]}",
            "typo": typo(rng, word),
        }[shape]
        out.append((shape, q))
    return out
