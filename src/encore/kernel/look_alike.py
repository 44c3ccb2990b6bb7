"""How a text reads to the eye, whatever its script: Unicode's confusable skeleton (UTS #39, the prototype of
confusables.txt), as ICU computes it (PyICU's SpoofChecker). Only ever compared, never shown or stored: "\u0430dmin"
(a Cyrillic "\u0430") reads as "admin", "\u041c\u0430\u0440\u0438\u044f" stays a name of its own
(`accounts._policy`). In the kernel because two capabilities compare names by it: display names (accounts) and
labels (catalog, which may not import accounts)."""

from collections.abc import Callable
from functools import cache

# The skeleton is case-sensitive and names are compared case-folded. Folding the case first loses a capital whose
# small letter is no look-alike (Greek "\u0392" reads "B", its "\u03b2" does not read "b"); folding it after loses a
# small letter whose capital is one (Cherokee "\uab7a" reads as small-capital "\u1d00", its capital "\u13aa" as
# "A"). A name reads as each: both are kept (`look_alikes`).


@cache
def _skeletons() -> Callable[[str], str]:
    """One checker for the process (ICU's checking functions may be called from any thread once it is set up),
    imported on first use: PyICU loads ICU's data, ~30-100 ms, and a process that compares no name never pays it."""
    import icu

    checker = icu.SpoofChecker()
    return lambda text: str(checker.getSkeleton(0, text))


def skeleton(text: str) -> str:
    """UTS #39's skeleton of `text` (NFD, each character mapped to its prototype, NFD): "\u0430dmin" and "admin"
    are both "adrnin", "Ab12" is "Abl2"."""
    return _skeletons()(text)


def look_alikes(text: str) -> frozenset[str]:
    """The case-folded skeletons `text` reads as: two texts that share one look alike, whatever the case."""
    folded = text.casefold()
    return frozenset((skeleton(skeleton(text).casefold()).casefold(), skeleton(folded).casefold()))
