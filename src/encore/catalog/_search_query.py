"""The search box's syntax, read into the catalogue's typed filters (a pure function: no I/O).

It is Spotify's, and every face whose listener types a query reads it here: `/v1/search` and the player's
`/api/search` (Subsonic's clients send plain words, so `search2`/`search3` do not read filters).

Spotify's Web API reference ("Search for Item", `q`): field filters `album:`, `artist:`, `track:`, `year:`
(one year or a range, `1955-1960`), `upc:`, `isrc:`, `genre:`, and `tag:new` / `tag:hipster`, each for the
kinds `APPLIES` lists (catalog._search_filters). A value is the next word, or a quoted phrase
(`artist:"Miles Davis"`; the unquoted `artist:Miles Davis` reads `Davis` as a plain word, which still has to
match). What this reads:

- a filter name is case-insensitive; a word with an unknown name (`label:x`, `foo:bar`, `tag:old`) is plain
  text; an empty value (`artist:`, `artist:""`, `artist:!!`: no letter or digit) is no filter; an unbalanced
  quote runs to the end of the query;
- years are 1 to 4 ASCII digits (fullwidth digits are not 2020: the kernel's rule, as for ISRCs); a reversed
  range is read the right way round; several years must all hold (their ranges intersect); a year that
  cannot be read makes the kinds it applies to find nothing, as an ISRC or UPC that cannot be one does;
- at most MAX_FILTERS distinct filters are read; later ones are ignored (a 200-character query holds ~30), and a
  text value repeated in another spelling (`x`, `X`, `"x x"`: the same folded words) is one filter;
- NOT, OR and wildcards are not read (Spotify's reference no longer lists them): they are plain words.
"""

import re
from dataclasses import dataclass
from datetime import date, timedelta

from encore.catalog._search_filters import SearchFilters
from encore.catalog._text import search_words
from encore.kernel import is_isrc

MAX_FILTERS = 6  # Spotify's own examples use two or three; each distinct one is a read of its own
NEW_DAYS = 14  # tag:new: "albums released in the past two weeks"
_FIELDS = frozenset(("album", "artist", "track", "year", "upc", "isrc", "genre", "tag"))
_TEXT = frozenset(("album", "artist", "track", "genre"))
_TAGS = frozenset(("new", "hipster"))
# A field name, its colon, then a quoted value (to its closing quote, or the end) or a bare one.
_TOKEN = re.compile(r'(?:(?P<field>[A-Za-z]+):)?(?:"(?P<quoted>[^"]*)"?|(?P<bare>\S*))')
_YEAR = re.compile(r"\A(?P<first>[0-9]{1,4})(?:-(?P<last>[0-9]{1,4}))?\Z")  # ASCII digits only, no sign
_UPC = re.compile(r"\A[0-9]{8,14}\Z")


@dataclass(frozen=True)
class SearchQuery:
    text: str  # the words that are not filters, for the catalogue's free-text search
    filters: SearchFilters


@dataclass
class _Read:
    values: dict[str, list[str]]
    years: tuple[int, int] | None = None
    new: bool = False
    hipster: bool = False
    nothing: list[tuple[str, str]] | None = None

    def refuse(self, name: str, why: str) -> None:
        self.nothing = [*(self.nothing or []), (name, why)]


def _year(value: str) -> tuple[int, int] | None:
    match = _YEAR.fullmatch(value)
    if match is None:
        return None
    first = int(match["first"])
    last = int(match["last"]) if match["last"] else first
    return (min(first, last), max(first, last))


def _take(read: _Read, name: str, value: str) -> None:
    """One filter with a non-empty value, into `read`."""
    if name == "tag":
        read.new, read.hipster = read.new or value == "new", read.hipster or value == "hipster"
    elif name == "year":
        years = _year(value)
        if years is None:
            read.refuse("year", "a year is 1 to 4 ASCII digits, or two joined by '-'")
        else:
            held = read.years or years
            read.years = (max(held[0], years[0]), min(held[1], years[1]))
    elif name == "isrc":
        code = value.replace("-", "").upper()
        if is_isrc(code):
            read.values["isrc"].append(code)
        else:
            read.refuse("isrc", "not an ISRC")
    elif name == "upc":
        if _UPC.fullmatch(value):
            read.values["upc"].append(value)
        else:
            read.refuse("upc", "a UPC is 8 to 14 ASCII digits")
    else:
        read.values[name].append(value)


def parse_search_query(q: str, *, today: date) -> SearchQuery:
    """`q` as plain words and filters. `today` dates tag:new (the face passes its clock's)."""
    read = _Read(values={name: [] for name in ("track", "artist", "album", "genre", "isrc", "upc")})
    words: list[str] = []
    taken, seen = 0, set[tuple[str, str]]()
    # NUL and lone surrogates never reach the database (PostgreSQL refuses NUL in text; neither is UTF-8).
    clean = q.replace("\x00", " ").encode("utf-8", "ignore").decode("utf-8")
    for match in _TOKEN.finditer(clean):
        name, quoted, bare = (match["field"] or "").lower(), match["quoted"], match["bare"]
        value = (quoted if quoted is not None else bare or "").strip()
        if name in _FIELDS and (not value or (name in _TEXT and not search_words(value))):
            continue  # an empty value (or one with no letter or digit) narrows by nothing
        if name not in _FIELDS or (name == "tag" and value.lower() not in _TAGS):
            if text := match[0] if name else value:
                words.append(text)
            continue
        same = (name, " ".join(dict.fromkeys(search_words(value)))) if name in _TEXT else (name, value.lower())
        if same in seen or taken >= MAX_FILTERS:
            continue
        seen.add(same)
        taken += 1
        _take(read, name, value.lower() if name == "tag" else value)
    v = read.values
    filters = SearchFilters(
        tracks=tuple(dict.fromkeys(v["track"])),
        artists=tuple(dict.fromkeys(v["artist"])),
        albums=tuple(dict.fromkeys(v["album"])),
        genres=tuple(dict.fromkeys(v["genre"])),
        isrcs=tuple(dict.fromkeys(v["isrc"])),
        upcs=tuple(dict.fromkeys(v["upc"])),
        years=read.years,
        released_since=today - timedelta(days=NEW_DAYS) if read.new else None,
        released_until=today if read.new else None,
        hipster=read.hipster,
        nothing=tuple(read.nothing or ()),
    )
    return SearchQuery(" ".join(words), filters)
