"""What may name a label, and which existing label a name reads as: pure rules, no database.

A label's name is shown to every listener (an album's label line, /v1's `label`, the statements a label reads), so it
follows the rule of every shown name (review31a L3): visible, one line, no bidi controls (`"\u202eRival"` read
"laviR"), no tower of accents. And a new label may not read as another by look-alike letters ("Universal Sound
Gr\u043eup" with a Cyrillic "\u043e" is "Universal Sound Group" to every reader, a second label that passes for the
first): compared by UTS #39's skeleton (`kernel.look_alikes`) of what the name draws, as display names are, but only
where what makes the two names one is outside ASCII (`look_alike_reason`, which says what)."""

import re
import unicodedata
from functools import cache, lru_cache
from typing import NamedTuple

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
    Devanagari or Thai is kept: it is no accent to the key either, and tells two names apart; but not a mark that is
    drawn nothing, a variation selector among them (`_drawn_mark`). Two names that share one reading read as one
    label."""
    kept = (ch for ch in unicodedata.normalize("NFKD", name) if not unicodedata.combining(ch))
    drawn = "".join(ch if _drawn_mark(ch) else drawn_only(ch) for ch in kept)
    return look_alikes(" ".join(drawn.split()))


_COMBINING_MARKS = frozenset({"Mn", "Mc", "Me"})  # all of them: a vowel sign (Mc) the key keeps is drawn
# The marks that are Default_Ignorable_Code_Point (DerivedCoreProperties.txt, Unicode 15; ICU agrees, a test checks):
# the combining grapheme joiner, Khmer's inherent vowels, Mongolian's free variation selectors, the variation
# selectors. They draw nothing: "Sonora Music Entertainment\ufe0f" was a second label beside "Sonora Music
# Entertainment" that no reader could tell from it (review32d). Not refused: an emoji's presentation selector
# ("\u2764\ufe0f") is how a name draws a heart in colour.
_IGNORABLE_MARKS = re.compile("[\u034f\u17b4\u17b5\u180b-\u180d\u180f\ufe00-\ufe0f\U000e0100-\U000e01ef]")


def _drawn_mark(ch: str) -> bool:
    """Whether `ch` is a combining mark that draws something: kept as it is where names are compared."""
    return unicodedata.category(ch) in _COMBINING_MARKS and _IGNORABLE_MARKS.match(ch) is None


def look_alike_reason(name: str, other: str) -> str | None:
    """Why a new label named `name` would pass for the label `other`, or None: which of their characters outside
    ASCII make them one ("'\u043e' (U+043E CYRILLIC SMALL LETTER O) reads as 'o'").

    Two names read as one when, drawn character for character (`_drawn`), each ASCII character meets itself (case
    aside) and each other character a character it is a look-alike of (UTS #39's skeleton, as `label_reads`):
    another script's letter, a fullwidth or accented form, or nothing for what draws nothing. The skeleton also
    reads ASCII as other ASCII ("rn" as "m"; "l", "1" and "I" as one; "0" as "O"), which made "Modem Records" the
    existing "Modern Records" (review31c M1). Two names typed in plain ASCII are what someone meant letter by
    letter, real labels' names (Stern and Stem, Burn and Bum) differ so, and they are two labels; and so is a name
    that differs by such an ASCII spelling besides a look-alike ("M\u043edem" with a Cyrillic "\u043e" reads as
    "Modem", never as "Modern": fix32c). Only look-alikes outside ASCII make two names one. One reads as each ASCII
    character of its skeleton ("\u0406" as "I", "l" and "1"), a letter drawn as two as both ("\u00c6" as "Ae").
    Names that are one by `identity_key` (case, spacing, accents) are one label before this is asked."""
    if name.isascii() and other.isascii():
        return None
    if label_reads(name).isdisjoint(label_reads(other)):  # the cheap test first: nearly every label reads apart
        return None
    (ours, our_gone), (theirs, their_gone) = _drawn(name), _drawn(other)
    if len(ours) != len(theirs) or not all(map(_meet, ours, theirs)):
        return None
    said = [f"{_shown(ch)} draws nothing" for ch in (*our_gone, *their_gone)]
    said += [f"{_shown(ch)} reads as {seen!r}" for ch, seen in _look_alikes_met(ours, theirs)]
    said += [f"{seen!r} reads as its {_shown(ch)}" for ch, seen in _look_alikes_met(theirs, ours)]
    return "; ".join(dict.fromkeys(said)) or "the same letters"


class _Drawn(NamedTuple):
    """One character as a name draws it, where names are compared."""

    at: int  # the index of the name's character it comes from
    source: str  # that character ("\u00c6" for each of the two letters it draws)
    reads: frozenset[str]  # its look-alikes (`look_alikes`; for a letter drawn as two, the one it draws there)
    plain: str  # an ASCII character of the name, case-folded; "" for any other


def _meet(ours: _Drawn, theirs: _Drawn) -> bool:
    if ours.plain and theirs.plain:
        return ours.plain == theirs.plain  # ASCII meets ASCII only as itself: "m" is no "rn", "1" no "l"
    return not ours.reads.isdisjoint(theirs.reads)


def _look_alikes_met(side: tuple[_Drawn, ...], across: tuple[_Drawn, ...]) -> list[tuple[str, str]]:
    """Each character outside ASCII of one name that is not the other's, and what it meets there (`_meet`)."""
    met: dict[int, tuple[str, dict[tuple[int, str], None]]] = {}
    for drawn, other in zip(side, across, strict=True):
        if not drawn.plain and drawn.source != other.source:
            met.setdefault(drawn.at, (drawn.source, {}))[1][other.at, other.source] = None
    return [(source, "".join(ch for _, ch in seen)) for source, seen in met.values()]


def _shown(ch: str) -> str:
    return f"{ch!r} (U+{ord(ch):04X} {unicodedata.name(ch, 'unnamed')})"


@lru_cache(maxsize=4096)  # only names whose readings meet come here: a new label and its few look-alikes
def _drawn(name: str) -> tuple[tuple[_Drawn, ...], tuple[str, ...]]:
    """`name` as `label_reads` reads it, one character as drawn at a time (spaces collapsed), and the characters of
    the name that draw nothing (a zero-width space, a blank letter, a lone accent, a variation selector)."""
    drawn: list[_Drawn] = []
    gone: list[str] = []
    for at, ch in enumerate(name):
        kept = [d for d in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(d)]
        kept = [d for d in kept if _drawn_mark(d) or drawn_only(d)]
        if not kept:
            gone.append(ch)
        for d in kept:
            if not d.isspace():
                drawn += _pieces(at, ch, d)
            elif drawn and " " not in drawn[-1].reads:
                drawn.append(_Drawn(at, ch, _SPACE, " " if ch.isascii() else ""))
    while drawn and " " in drawn[-1].reads:
        drawn.pop()
    return tuple(drawn), tuple(gone)


_SPACE = frozenset(" ")


def _pieces(at: int, source: str, ch: str) -> list[_Drawn]:
    """`ch`, drawn for the name's character `source`, as compared: one character, or for a letter drawn as two or
    more ASCII ones ("\u00c6" as "ae", "\u042e" as "lo"), each of them."""
    reads = look_alikes(ch)
    spelled = sorted(r for r in reads if r.isascii() and r not in _ascii_reads())  # "\u042e" reads "lo" and "\u044e"
    if ch.isascii() or not spelled or any(r in _ascii_reads() for r in reads):
        return [_Drawn(at, source, reads, ch.casefold() if source.isascii() else "")]
    return [_Drawn(at, source, frozenset({piece}), "") for piece in _ASCII_DRAWN.findall(spelled[0])]


_ASCII_DRAWN = re.compile("rn|.", re.DOTALL)  # the skeleton spells a look-alike "m" as "rn"


@cache
def _ascii_reads() -> frozenset[str]:
    """What each one ASCII character reads as ("m" as "rn", "1" as "l")."""
    return frozenset(r for code in range(0x20, 0x7F) for r in look_alikes(chr(code)))
