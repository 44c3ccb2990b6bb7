"""Lower case in the database as Python's `str.lower` gives it, on both databases. PostgreSQL's `lower()` follows
Unicode; SQLite's lowers ASCII letters only, so a search that lowercased its words in Python never found
"Москва Ночью" or "Éclat" there, even typed exactly (probe18b). SQLite gets Python's own lower() as a function on
each connection (`register_sqlite_lower`, from the engine's connect hook); the expression compiles to it there. A
Python call per row: use it where the rows are few or scanned anyway. PostgreSQL's lower() follows the database's
LC_CTYPE, which is C (ASCII only) in a cluster made with `--no-locale` (the test suite's, and many operators'): it
is asked with ICU's root collation when the server has it (`note_icu`, at the first connection; Debian's builds
and every PostgreSQL from 16 do), else as the database's lower().

`unaccented_lower` is that lower case with the accents of the Latin, Greek and Cyrillic letters taken off (`unaccent`
in Python, the same rule): "Zoë" and "Émilie" read "zoe" and "emilie", for a search by what a person types on a
keyboard without them (the admin's account search, review30b L2). PostgreSQL's `unaccent` is an extension; its
built-in normalize() and regexp_replace() do it."""

import unicodedata
from typing import Any

from sqlalchemy import String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import FunctionElement

SQLITE_LOWER = "encore_lower"
SQLITE_UNACCENTED = "encore_unaccented_lower"
# The block of combining diacritical marks (U+0300-U+036F): the accents a canonical decomposition (NFD) splits off
# the Latin, Greek and Cyrillic letters. Marks of other scripts stay (a Hebrew point or a Devanagari vowel sign is
# part of how the word is spelt), as do letters with no decomposition ("ø", "ß").
_ACCENTS = ("\u0300", "\u036f")


def unaccent(text: str) -> str:
    """`text` lowered and without its accents (`_ACCENTS`): "Zoë" reads "zoe"."""
    return "".join(ch for ch in unicodedata.normalize("NFD", text.lower()) if not _ACCENTS[0] <= ch <= _ACCENTS[1])


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


class unaccented_lower(FunctionElement[str]):  # noqa: N801 - read as a SQL function where it is used
    type = String()
    name = "unaccented_lower"
    inherit_cache = True


@compiles(unaccented_lower)
def _unaccented(element: unaccented_lower, compiler: SQLCompiler, **kw: Any) -> str:
    text = compiler.process(element.clauses, **kw)
    lowered = f'lower({text} COLLATE "{ICU_ROOT}")' if getattr(compiler.dialect, _ICU, False) else f"lower({text})"
    return f"regexp_replace(normalize({lowered}, NFD), '[\\u0300-\\u036f]', '', 'g')"


@compiles(unaccented_lower, "sqlite")
def _sqlite_unaccented(element: unaccented_lower, compiler: SQLCompiler, **kw: Any) -> str:
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

    from sqlalchemy import event

    event.listen(engine, "first_connect", first)
