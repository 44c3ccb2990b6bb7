"""Lower case in the database as Python's `str.lower` gives it, on both databases. PostgreSQL's `lower()` follows
Unicode; SQLite's lowers ASCII letters only, so a search that lowercased its words in Python never found
"Москва Ночью" or "Éclat" there, even typed exactly (probe18b). SQLite gets Python's own lower() as a function on
each connection (`register_sqlite_lower`, from the engine's connect hook); the expression compiles to it there. A
Python call per row: use it where the rows are few or scanned anyway. PostgreSQL's lower() follows the database's
LC_CTYPE, which is C (ASCII only) in a cluster made with `--no-locale` (the test suite's, and many operators'): it
is asked with ICU's root collation when the server has it (`note_icu`, at the first connection; Debian's builds
and every PostgreSQL from 16 do), else as the database's lower().

`unaccented_fold` is the text case-folded (Unicode's full folding, `str.casefold`) with the accents of the Latin,
Greek and Cyrillic letters taken off (`unaccent` in Python, the same rule), for a search by what a person types on a
keyboard: "Zoë" and "Émilie" read "zoe" and "emilie" (the admin's account search, review30b L2), "Straße" and
"STRASSE" read "strasse", "ΟΔΟΣ" and "οδός" read "οδοσ" (lower case alone keeps "ß" and the final "ς", so neither was
found by its capitals, nor "Straße" typed as it is spelt: the query side was case-folded). PostgreSQL has no
casefold() before 18: its lower() (ICU's, as above) then the few letters whose folding differs from their lower case,
taken from `str.casefold` itself (`_folds`); `unaccent` is an extension, its built-in normalize() and regexp_replace()
do the rest."""

import functools
import sys
import unicodedata
from typing import Any

from sqlalchemy import String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import FunctionElement

SQLITE_LOWER = "encore_lower"
SQLITE_UNACCENTED = "encore_unaccented_fold"
# The block of combining diacritical marks (U+0300-U+036F): the accents a canonical decomposition (NFD) splits off
# the Latin, Greek and Cyrillic letters. Marks of other scripts stay (a Hebrew point or a Devanagari vowel sign is
# part of how the word is spelt), as do letters with no decomposition ("ø", "ß").
_ACCENTS = ("\u0300", "\u036f")


def unaccent(text: str) -> str:
    """`text` case-folded and without its accents (`_ACCENTS`): "Zoë" reads "zoe", "Straße" "strasse"."""
    return "".join(ch for ch in unicodedata.normalize("NFD", text.casefold()) if not _ACCENTS[0] <= ch <= _ACCENTS[1])


def folded_words(query: str, *, most: int = 10) -> list[str]:
    """The words a name must hold for a search by `query` that reads names folded (`unaccent`), at most `most`, the
    most telling kept: a repeated word, or one inside another ("a" in "abba"), asks nothing more (probe18b N9: ten
    "a"s pushed the word that mattered out). A word of accents alone folds to nothing and is dropped: as "" it was
    held by every name, so a search of one combining accent listed every public playlist (review32a L2). No word
    left is a query that asks nothing: the caller answers as it does an empty one."""
    words = [w for w in dict.fromkeys(unaccent(w) for w in query.split()) if w]
    telling = [w for w in words if not any(w != other and w in other for other in words)]
    return sorted(telling, key=len, reverse=True)[:most]


@functools.cache
def _folds() -> tuple[str, str, tuple[tuple[str, str], ...]]:
    """What `str.casefold` does beyond `str.lower` to a lower-case text in NFD, as PostgreSQL's translate() (one
    letter for one: the final sigma to the sigma, the long s to "s", Cherokee's small letters to its capitals) and
    replace() (one for more: "ß" to "ss", the ligature "fi" to two letters) take it. Read from Python's own tables
    (a quarter of a second, once), so that both databases fold as `unaccent` does; a Greek letter with its iota
    below, which folds into two letters, is its NFD's base and mark by then, and the mark (U+0345) folds alone."""
    one: dict[str, str] = {}
    many: dict[str, str] = {}
    for point in range(sys.maxunicode + 1):
        ch = chr(point)
        folded = ch.casefold()
        if folded == ch or ch.lower() != ch or unicodedata.normalize("NFD", ch) != ch:
            continue  # no fold, or not a letter that lower() and NFD leave standing
        folded = unicodedata.normalize("NFD", folded)
        if folded != ch:
            (one if len(folded) == 1 else many)[ch] = folded
    return "".join(one), "".join(one.values()), tuple(many.items())


class unicode_lower(FunctionElement[str]):  # noqa: N801 - read as a SQL function where it is used
    type = String()
    name = "unicode_lower"
    inherit_cache = True


ICU_ROOT = "und-x-icu"
_ICU = "encore_icu_lower"  # set on the dialect by note_icu


@compiles(unicode_lower)
def _lower(element: unicode_lower, compiler: SQLCompiler, **kw: Any) -> str:
    text = compiler.process(element.clauses, **kw)
    if getattr(compiler.dialect, _ICU, False):
        return f'lower({text} COLLATE "{ICU_ROOT}")'
    return f"lower({text})"


@compiles(unicode_lower, "sqlite")
def _sqlite_lower(element: unicode_lower, compiler: SQLCompiler, **kw: Any) -> str:
    return f"{SQLITE_LOWER}({compiler.process(element.clauses, **kw)})"


class unaccented_fold(FunctionElement[str]):  # noqa: N801 - read as a SQL function where it is used
    type = String()
    name = "unaccented_fold"
    inherit_cache = True


@compiles(unaccented_fold)
def _unaccented(element: unaccented_fold, compiler: SQLCompiler, **kw: Any) -> str:
    text = compiler.process(element.clauses, **kw)
    lowered = f'lower({text} COLLATE "{ICU_ROOT}")' if getattr(compiler.dialect, _ICU, False) else f"lower({text})"
    letters, into, many = _folds()
    decomposed = f"normalize({lowered}, NFD)"

    def replaced(text: str) -> str:
        for letter, more in many:  # none holds a quote or a bracket (a test reads them all)
            text = f"replace({text}, '{letter}', '{more}')"
        return text

    # translate() walks its whole list for each letter (5x the rest): only a name holding one of them pays for it.
    # The two steps commute (no replacement holds a letter translate() takes)
    translated = f"translate({decomposed}, '{letters}', '{into}')"
    keys = "".join(letter for letter, _ in many)
    guarded = (
        f"CASE WHEN {decomposed} ~ '[{letters}]' THEN {replaced(translated)}"
        f" WHEN {decomposed} ~ '[{keys}]' THEN {replaced(decomposed)} ELSE {decomposed} END"
    )
    return f"regexp_replace({guarded}, '[\\u0300-\\u036f]', '', 'g')"


@compiles(unaccented_fold, "sqlite")
def _sqlite_unaccented(element: unaccented_fold, compiler: SQLCompiler, **kw: Any) -> str:
    return f"{SQLITE_UNACCENTED}({compiler.process(element.clauses, **kw)})"


def _python_unaccented(value: object) -> object:
    return unaccent(value) if isinstance(value, str) else value


def _python_lower(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


def register_sqlite_lower(dbapi_conn: Any) -> None:
    dbapi_conn.create_function(SQLITE_LOWER, 1, _python_lower, deterministic=True)
    dbapi_conn.create_function(SQLITE_UNACCENTED, 1, _python_unaccented, deterministic=True)


def note_icu(dbapi_conn: Any, record: Any) -> None:
    """PostgreSQL's first connection: whether ICU's root collation is there to lower any script with."""
    with dbapi_conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_collation WHERE collname = %s", (ICU_ROOT,))
        found = cur.fetchone() is not None
    dbapi_conn.commit()
    record.info[_ICU] = found


def icu_dialect_hook(engine: Any) -> None:
    """Listen for the first connection and set the dialect's flag from it (compiled statements read it)."""

    def first(dbapi_conn: Any, record: Any) -> None:
        note_icu(dbapi_conn, record)
        setattr(engine.dialect, _ICU, record.info[_ICU])
        _folds()  # the letters casefold adds, read from Python's tables (~0.3-0.5 s) at start-up, not in a request

    from sqlalchemy import event

    event.listen(engine, "first_connect", first)
