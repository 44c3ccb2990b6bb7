"""Text normalisation shared by identity keys and search: casefold, strip diacritics, fold spaces."""

import re
import unicodedata

_WORD = re.compile(r"\w+", re.UNICODE)
_LEADING_ARTICLE = re.compile(r"^(the|a|an) ", re.IGNORECASE)


def fold(text: str) -> str:
    """'  Émilie   ÅNGSTRÖM ' -> 'emilie angstrom'. Used for keys and the search index."""
    # split() and the regex \s agree on what is a space (both ask str.isspace; a test checks every code point),
    # and the split costs a quarter of the regex (issue #17: a big import folds every new title)
    if text.isascii():  # the common case, 4x faster: NFKD leaves ASCII as it is, and casefold is lower
        return " ".join(text.lower().split())
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.casefold().split())


def identity_key(*parts: str) -> str:
    """A key under which two spellings differing only in case, accents or spacing are one thing."""
    return "\x1f".join(fold(p) for p in parts)[:800]


def genre_keys(name: str) -> tuple[str, ...]:
    """The stored genre keys (upsert_genre's, 100 characters at most) a genre name asked by a listener or an app
    means: as spelt, and with dashes as spaces ("hip-hop" is "Hip Hop"; the second fold only for a name with a
    dash). None for a name with a NUL, which no stored key holds (and PostgreSQL's text cannot)."""
    if "\x00" in name:
        return ()
    spellings = {name, name.replace("-", " ")} if "-" in name else {name}
    return tuple(sorted({identity_key(spelt)[:100] for spelt in spellings}))


def search_words(text: str) -> list[str]:
    """Words of a query, folded; punctuation (and any FTS syntax) dropped."""
    return _WORD.findall(fold(text))


def sort_name(name: str) -> str:
    return _LEADING_ARTICLE.sub("", fold(name))


def upc_spellings(value: str) -> tuple[str, ...]:
    """The spellings of one barcode: a UPC-A (12 digits), its EAN-13 (a leading 0) and GTIN-14 (two) forms, and an
    EAN-8 padded alike, are one GTIN, stored as any of them. Anything but ASCII digits is only itself."""
    if not value.isascii() or not value.isdigit():
        return (value,)
    number = value.lstrip("0")
    return tuple(dict.fromkeys((value, *(number.zfill(n) for n in (8, 12, 13, 14) if len(number) <= n))))
