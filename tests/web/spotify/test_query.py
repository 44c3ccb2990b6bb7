"""The search box's syntax (Spotify's, `catalog/_search_query.py`) read into filters: pure, no database. It stays
here, beside /v1, while tests/support/unit_seconds.json names this module (the lead moves it to tests/catalog/)."""

from datetime import date

import pytest

from encore.catalog import SearchFilters, parse_search_query
from encore.catalog._search_query import MAX_FILTERS

TODAY = date(2026, 12, 4)


def _parse(q: str) -> tuple[str, SearchFilters]:
    parsed = parse_search_query(q, today=TODAY)
    return parsed.text, parsed.filters


def test_spotipy_s_everyday_query_is_two_filters_and_no_words() -> None:
    assert _parse("artist:Radiohead track:Creep") == ("", SearchFilters(tracks=("Creep",), artists=("Radiohead",)))


def test_an_unquoted_value_is_one_word_the_rest_plain_text() -> None:
    """Spotify's own example: `remaster track:Doxy artist:Miles Davis` ("Davis" still has to match, as text)."""
    text, filters = _parse("remaster track:Doxy artist:Miles Davis")
    assert text == "remaster Davis" and filters == SearchFilters(tracks=("Doxy",), artists=("Miles",))


def test_a_quoted_value_holds_its_spaces_and_an_unbalanced_quote_runs_to_the_end() -> None:
    assert _parse('artist:"Miles Davis" so') == ("so", SearchFilters(artists=("Miles Davis",)))
    assert _parse('artist:"Miles Davis') == ("", SearchFilters(artists=("Miles Davis",)))
    assert _parse('"roadhouse blues') == ("roadhouse blues", SearchFilters())
    assert _parse('track:"') == ("", SearchFilters())  # an unbalanced quote with nothing in it: no filter


@pytest.mark.parametrize("q", ["artist:", 'artist:""', "artist:  ", "artist:!!", "tag:", "year:", "isrc:"])
def test_an_empty_value_is_no_filter(q: str) -> None:
    assert _parse(q) == ("", SearchFilters())


def test_filter_names_ignore_case_and_unknown_names_are_plain_text() -> None:
    assert _parse("ARTIST:x Track:y") == ("", SearchFilters(tracks=("y",), artists=("x",)))
    assert _parse("label:Warner foo:bar tag:old") == ("label:Warner foo:bar tag:old", SearchFilters())


def test_years_single_range_reversed_and_intersected() -> None:
    assert _parse("year:1994")[1].years == (1994, 1994)
    assert _parse("year:1990-1999")[1].years == (1990, 1999)
    assert _parse("year:1999-1990")[1].years == (1990, 1999)  # read the right way round
    assert _parse("year:1990-1999 year:1995-2005")[1].years == (1995, 1999)
    both = _parse("year:1990 year:2000")[1]
    assert both.years == (2000, 1990) and both.finds_nothing("track")  # no year is both


@pytest.mark.parametrize(
    "year",
    [
        "\uff12\uff10\uff12\uff10",  # fullwidth 2020
        "\u0662\u0660\u0662\u0660",  # Arabic-Indic 2020
        "2020-\uff12\uff10\uff12\uff11",
        "0-99999999999999999999",  # a huge range: more than 4 digits is no year
        "-2020",
        "+2020",
        "2020-",
        "20.20",
        "1e3",
        "nineteen",
    ],
)
def test_a_year_that_is_not_ascii_digits_finds_nothing_rather_than_everything(year: str) -> None:
    filters = _parse(f"year:{year}")[1]
    assert filters.years is None and [name for name, _ in filters.nothing] == ["year"]
    assert filters.finds_nothing("track") and filters.finds_nothing("artist") and filters.finds_nothing("album")


def test_the_widest_range_is_every_year_not_an_error() -> None:
    assert _parse("year:0-9999")[1].years == (0, 9999)


def test_isrc_and_upc_are_codes_or_nothing() -> None:
    assert _parse("isrc:gb-enc-24-00057")[1].isrcs == ("GBENC2400057",)
    bad = _parse("isrc:hello")[1]
    assert bad.isrcs == () and bad.finds_nothing("track") and not bad.finds_nothing("artist")
    assert _parse("isrc:\uff27\uff22ENC2400057")[1].finds_nothing("track")  # fullwidth letters are not an ISRC
    assert _parse("upc:099906726800")[1].upcs == ("099906726800",)
    assert _parse("upc:\uff10\uff19\uff19906726800")[1].finds_nothing("album")


def test_tags_date_new_from_today_and_mark_hipster() -> None:
    assert _parse("tag:new")[1] == SearchFilters(released_since=date(2026, 11, 20), released_until=date(2026, 12, 4))
    assert _parse("TAG:Hipster")[1] == SearchFilters(hipster=True)


def test_a_thousand_filters_are_read_only_up_to_the_cap() -> None:
    text, filters = _parse(" ".join(f"artist:a{i}" for i in range(1000)))
    assert text == "" and len(filters.artists) == MAX_FILTERS
    same = _parse(" ".join(["artist:a"] * 1000))[1]
    assert same.artists == ("a",)  # a repeated filter is one condition
    # review15: `x`, `X` and `"x x"` fold to one word and were three scans; they are one filter, and the cap
    # counts distinct ones only
    spelled = _parse('artist:x artist:X artist:"x x" artist:"X  x" album:x album:X track:y')[1]
    assert spelled.artists == ("x",) and spelled.albums == ("x",) and spelled.tracks == ("y",)


def test_which_kinds_a_filter_narrows_follows_spotify_s_reference() -> None:
    kinds = ("artist", "album", "track")
    narrowed = {
        q: tuple(k for k in kinds if _parse(q)[1].narrows(k))
        for q in ("artist:x", "year:2000", "album:x", "genre:rock", "track:x", "isrc:GBENC2400057", "upc:099906726800")
    }
    assert narrowed == {
        "artist:x": kinds,
        "year:2000": kinds,
        "album:x": ("album", "track"),
        "genre:rock": ("artist", "track"),
        "track:x": ("track",),
        "isrc:GBENC2400057": ("track",),
        "upc:099906726800": ("album",),
    }


def test_nul_and_lone_surrogates_never_reach_a_filter() -> None:
    assert _parse("genre:ro\x00ck") == ("ck", SearchFilters(genres=("ro",)))
    assert _parse("genre:\ud800rock artist:x\udfff") == ("", SearchFilters(artists=("x",), genres=("rock",)))
