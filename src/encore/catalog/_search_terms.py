"""What a search word matches, as pure functions: prefixes as you type, and typos in longer words.

Text is folded first (catalog._text: case, accents, spacing), so "emilie" is a prefix of "émilie".
A word matches a term it begins (`gol` -> `golden`), or, in words of 4+ letters, a term at most one edit
away (two in 8+ letters), an edit being an inserted, missing, changed or swapped letter (optimal string
alignment distance, so "electirc" is one edit from "electric").
"""

import re

from rapidfuzz.distance import OSA

MAX_TERM = 40  # longer words are cut: no title word is longer, and a 10,000-letter query costs nothing more
MAX_WORDS = 8
# No typo expansion past this: no real word is longer, and a long word's candidates are the costliest
# lookup (the first pass spent 871 ms on the 40-letter word a 10,000-letter query left).
MAX_TYPO_WORD = 24
_WORD = re.compile(r"\w+", re.UNICODE)


def terms(folded: str) -> frozenset[str]:
    """The distinct words of already-folded text, each cut to MAX_TERM."""
    return frozenset(w[:MAX_TERM] for w in _WORD.findall(folded))


def typos_allowed(word: str) -> int:
    if len(word) > MAX_TYPO_WORD:
        return 0
    return 2 if len(word) >= 8 else 1 if len(word) >= 4 else 0


def is_typo_of(word: str, term: str) -> bool:
    """`term` is within the word's typo allowance, and is not simply a longer word it begins."""
    allowed = typos_allowed(word)
    if not allowed or term.startswith(word) or abs(len(term) - len(word)) > allowed:
        return False
    return OSA.distance(word, term, score_cutoff=allowed) <= allowed


def typo_keys(word: str) -> tuple[str, str]:
    """A beginning and an end of the word, one of which every typo candidate keeps intact.

    One edit touches at most two neighbouring letters, so a term one edit away keeps either the first
    `n // 2` letters or the last `n - n // 2 - 1`. With two edits (8+ letters) the first and last three are
    used: a term with one typo in each of them is not found (the limit of looking terms up by an intact end).
    """
    n = len(word)
    if typos_allowed(word) == 2:
        return word[:3], word[-3:][::-1]
    head = n // 2
    return word[:head], word[head + 1 :][::-1]


def match_tiers(words: list[str], name_terms: frozenset[str], other_terms: frozenset[str]) -> int | None:
    """How a doc matches the words: 1 all in its name, 2 all in name or context, 3 with typos, None not at all.

    The overlay uses it for docs changed since the last compaction; the stored sets give the same answer."""
    every = name_terms | other_terms
    if all(any(t.startswith(w) for t in name_terms) for w in words):
        return 1
    if all(any(t.startswith(w) for t in every) for w in words):
        return 2
    if all(any(t.startswith(w) or is_typo_of(w, t) for t in every) for w in words):
        return 3
    return None
