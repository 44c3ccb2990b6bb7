"""The one rule for text a person writes and others are shown: no control characters but tab and newline, and
a name shows at least one visible character."""

import re
import unicodedata

# Nothing a reader sees: controls, format characters (bidi overrides, zero-width joiners), separators, marks alone,
# unassigned code points.
_INVISIBLE = frozenset({"Cc", "Cf", "Cn", "Cs", "Zs", "Zl", "Zp", "Mn", "Me"})
# Letters and symbols that draw nothing: the Hangul fillers and the blank braille cell (review15), the musical
# null notehead (review28a L2).
_BLANK = frozenset("\u115f\u1160\u3164\uffa0\u2800\U0001d159")


def has_control(text: str) -> bool:
    """Whether `text` holds a C0 control character other than tab and newline, or DEL (NUL among them)."""
    return any((ord(ch) < 32 and ch not in "\n\t") or ord(ch) == 127 for ch in text)


def has_visible(text: str) -> bool:
    """Whether `text` holds a character a reader can see: a name made only of right-to-left overrides, zero-width
    or combining characters shows as nothing, or as a neighbour's text reversed."""
    return any(ch not in _BLANK and unicodedata.category(ch) not in _INVISIBLE for ch in text)


def drawn_only(text: str) -> str:
    """`text` without what draws nothing but keeps its spaces: controls, format, combining and unassigned
    characters and the blank letters go; "alice\u200b" and "alice\u3164" read as "alice" (review28a L2)."""
    return "".join(ch for ch in text if ch not in _BLANK and unicodedata.category(ch) not in _DRAWS_NOTHING)


_DRAWS_NOTHING = _INVISIBLE - {"Zs", "Zl", "Zp"}
_AS_SPACES = dict.fromkeys(map(ord, _BLANK), " ")


def blanks_as_spaces(text: str) -> str:
    """`text` with each blank letter read as the space it draws: "Listener\u2800Ab12" shows as "Listener Ab12"
    (review29a M1), where `drawn_only` would join the two words."""
    return text.translate(_AS_SPACES)


# What a spreadsheet may read as the start of a formula (OWASP's CSV injection list, with the pipe of DDE and a
# newline): every CSV Encore writes (statements, the audit log, a listener's export) prefixes such a cell with '.
_FORMULA_START = frozenset("=+-@\t\r\n|")


def spreadsheet_text(text: str) -> str:
    """`text` as a CSV cell a spreadsheet shows and never runs (the three CSV writers guarded three different
    sets of characters: probe16)."""
    return "'" + text if text[:1] in _FORMULA_START else text


# The bidirectional embeddings, overrides and isolates (LRE RLE PDF LRO RLO, LRI RLI FSI PDI): they make text read
# other than it is written ("\u202egnp.exe" shows as "exe.png"). The marks U+200E and U+200F are not among them:
# real right-to-left titles use those, and a mark reorders nothing around it.
_BIDI_CONTROLS = "\u202a-\u202e\u2066-\u2069"
_BIDI_CONTROL = re.compile(f"[{_BIDI_CONTROLS}]")


def has_bidi_control(text: str) -> bool:
    """Whether `text` holds a bidirectional embedding, override or isolate (a name that would read reversed)."""
    return _BIDI_CONTROL.search(text) is not None


def bidi_refusal(what: str) -> str:
    """The one sentence refusing a name `has_bidi_control` finds (display names, playlists, labels' titles)."""
    return (
        f"{what} cannot hold right-to-left or left-to-right override, embedding or isolate characters "
        "(U+202A-U+202E, U+2066-U+2069): they make it read other than it is written."
    )


def without_bidi_controls(text: str) -> str:
    """`text` without its bidirectional embeddings, overrides and isolates (the marks stay): a name read from a
    file's tags shows as written, to every listener and every search (probe24b F6)."""
    return _BIDI_CONTROL.sub("", text)


# What a terminal acts on rather than shows: C0 and DEL, C1 (CSI \x9b and OSC \x9d act alone on some terminals),
# line and paragraph separators, and the bidirectional controls that make a line read other than it is.
_TERMINAL_CONTROL = re.compile(f"[\x00-\x1f\x7f-\x9f\u2028\u2029{_BIDI_CONTROLS}]")


def terminal_safe(text: str) -> str:
    """`text` with every character a terminal would act on spelled out (`\\x1b`, `\\n`): what an operator's
    terminal prints of text others wrote (a listener's file name, a label's title) shows, and does, nothing else
    (probe23 F1)."""
    return _TERMINAL_CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


# The combining marks one character of a shown name may carry (review31a L2): "a" and 99 stacked accents ("Zalgo")
# drew a tower over the rows around it. Real writing needs few: Vietnamese, Yoruba and polytonic Greek 2-3, pointed
# Hebrew with its cantillation 4-6, Tibetan's Sanskrit stacks up to 6 (decomposed, as counted here), a keycap emoji
# 2. Unicode's stream-safe format (UAX #15) caps a run at 30, a bound for buffers, not for what reads: 30 accents
# still tower. 8 keeps every script and draws at most about a line's height above the letter.
MAX_STACKED_MARKS = 8


def stacked_marks(text: str) -> int:
    """The most combining marks (nonspacing and enclosing) any one character of `text` carries, decomposed (NFD:
    a precomposed letter counts its accents), a format character among them not ending the stack (a zero-width
    joiner between accents draws them stacked still)."""
    most = run = 0
    for ch in unicodedata.normalize("NFD", text):
        category = unicodedata.category(ch)
        if category in _STACKING_MARKS:
            run += 1
            most = max(most, run)
        elif category != "Cf":
            run = 0
    return most


# the combining marks drawn stacked over (or around) the letter before them; a spacing mark (Mc: a vowel sign of
# Devanagari, Thai) is drawn beside it and starts no tower
_STACKING_MARKS = frozenset({"Mn", "Me"})


def marks_refusal(what: str) -> str:
    """The one sentence refusing a name `stacked_marks` finds over `MAX_STACKED_MARKS`."""
    return (
        f"{what} can carry at most {MAX_STACKED_MARKS} accents or other combining marks on one letter: more are"
        " drawn stacked over the lines around it."
    )


def towering_refusal(text: str, what: str) -> str | None:
    """Why `text` cannot be shown as `what` ("A display name"), when one of its letters carries more combining marks
    than `MAX_STACKED_MARKS` (`marks_refusal`); None when none does. Every shown name a person types asks this."""
    return marks_refusal(what) if stacked_marks(text) > MAX_STACKED_MARKS else None


def without_towers(text: str) -> str:
    """`text` with the combining marks beyond `MAX_STACKED_MARKS` on each letter dropped, the first ones kept (as
    `stacked_marks` counts them: a precomposed letter's accents count, a format character does not end the stack).
    For text no person typed for this service, a file's tags, which is kept rather than refused (review31c M3)."""
    if stacked_marks(text) <= MAX_STACKED_MARKS:
        return text
    kept: list[str] = []
    run = 0
    for ch in text:
        category = unicodedata.category(ch)
        carried = sum(unicodedata.category(c) in _STACKING_MARKS for c in unicodedata.normalize("NFD", ch))
        if category in _STACKING_MARKS:
            if run + carried > MAX_STACKED_MARKS:
                continue
            run += carried
        elif category != "Cf":
            run = carried  # a letter, with the accents it carries precomposed
        kept.append(ch)
    return "".join(kept)
