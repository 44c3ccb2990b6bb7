"""What may name a label, and which existing label a name reads as: pure rules, no database.

A label's name is shown to every listener (an album's label line, /v1's `label`, the statements a label reads), so it
follows the rule of every shown name (review31a L3): visible, one line, no bidi controls (`"\u202eRival"` read
"laviR"), no tower of accents. And a new label may not read as another by look-alike letters ("Universal Sound
Gr\u043eup" with a Cyrillic "\u043e" is "Universal Sound Group" to every reader, a second label that passes for the
first): compared by UTS #39's skeleton (`kernel.look_alikes`) of what the name draws, as display names are, but only
where the two names differ by something outside ASCII (`reads_as_one`)."""

import unicodedata
from functools import lru_cache

from encore.kernel import (
    bidi_refusal,
    drawn_only,
    has_bidi_control,
    has_control,
    has_visible,
    look_alikes,
    towering_refusal,
)

MAX_LABEL_NAME = 200  # the column's length (labels.name)


def label_name_refusal(name: str) -> str | None:
    """Why `name` (given stripped) cannot name a label, or None."""
    if any(unicodedata.category(ch) == "Cs" for ch in name):  # bytes a shell passed that are no UTF-8
        return "A label's name must be text: it holds bytes that are not UTF-8."
    if not has_visible(name):
        return "A label's name needs at least one visible character."
    if has_control(name) or any(unicodedata.category(ch) in _BREAKS for ch in name):
        return "A label's name cannot hold control characters (a line break or a tab among them)."
    if has_bidi_control(name):
        return bidi_refusal("A label's name")
    if refused := towering_refusal(name, "A label's name"):
        return refused
    if len(name) > MAX_LABEL_NAME:
        return f"A label's name can be at most {MAX_LABEL_NAME} characters."
    return None


_BREAKS = frozenset({"Cc", "Zl", "Zp"})  # C1 controls, U+2028/9: a name is one line


# each new label reads every label's name (`catalog._write`): read once per process, a lookup after
@lru_cache(maxsize=65536)
def label_reads(name: str) -> frozenset[str]:
    """How a label's name reads to the eye: its look-alikes (case-folded skeletons), compatibility forms folded
    (fullwidth letters are the ASCII ones), accents dropped as the label's identity key drops them ("Caf\u00e9" and
    "Cafe" are one label already) and what draws nothing (zero-width characters, blank letters). A vowel sign of
    Devanagari or Thai is kept: it is no accent to the key either, and tells two names apart. Two names that share
    one reading read as one label."""
    kept = (ch for ch in unicodedata.normalize("NFKD", name) if not unicodedata.combining(ch))
    drawn = "".join(ch if unicodedata.category(ch) in _COMBINING_MARKS else drawn_only(ch) for ch in kept)
    return look_alikes(" ".join(drawn.split()))


_COMBINING_MARKS = frozenset({"Mn", "Mc", "Me"})  # all of them: a vowel sign (Mc) the key keeps is drawn


def reads_as_one(name: str, other: str) -> bool:
    """Whether a new label named `name` would pass for the label `other`: their readings meet, and they are not
    both plain ASCII. UTS #39's skeleton also reads ASCII letters as one another ("rn" as "m", "l", "1" and "I" as
    one, "0" as "O"), which made "Modem Records" the existing "Modern Records" (review31c M1): two names typed in
    plain ASCII are what someone meant letter by letter, real labels' names (Stern and Stem, Burn and Bum) differ
    so, and whoever reads them on an ASCII keyboard can tell them apart by spelling. A look-alike that passes for a
    label needs a character outside ASCII: another script's letter, a fullwidth form, an accented or accent-less
    look-alike, or one that draws nothing. Names that are one by `identity_key` (case, spacing, accents) are one
    label before this is asked."""
    if name.isascii() and other.isascii():
        return False
    return not label_reads(name).isdisjoint(label_reads(other))
