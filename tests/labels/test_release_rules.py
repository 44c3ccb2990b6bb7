"""The release form's pure rules: a sentence per field, no database."""

from datetime import date

import pytest

from encore.labels import TrackForm
from encore.labels._release_rules import (
    edit_problems,
    normal_isrc,
    parse_release_date,
    publish_problems,
    release_date_problem,
)

TODAY = date(2026, 12, 2)


def test_release_dates() -> None:
    assert parse_release_date("2026-12-24", today=TODAY) == (date(2026, 12, 24), None)
    assert parse_release_date(" 1999-01-31 ", today=TODAY) == (date(1999, 1, 31), None)
    for text in ("0000-01-01", "1899-12-31", "2037-01-01", "99999-01-01"):
        found, problem = parse_release_date(text, today=TODAY)
        assert found is None and problem == "The release year must be between 1900 and 2036.", text
    assert parse_release_date("2026-02-29", today=TODAY)[1] == "That day does not exist in the calendar."
    assert parse_release_date("2040-02-30", today=TODAY)[1] == "The release year must be between 1900 and 2036."
    for text in ("", "24/12/2026", "2026-1-1", "2026-12-24T00:00", "١٩٩٩-٠١-٠١"):
        assert parse_release_date(text, today=TODAY)[1].startswith("Write the release date"), text  # type: ignore[union-attr]


def test_isrcs_are_read_as_people_write_them() -> None:
    assert normal_isrc(" us-rc1-76-07839 ") == "USRC17607839"
    ok = TrackForm("t1", None, "us-rc1-76-07839")
    assert edit_problems(title=None, artists=None, tracks=[ok]) == {}
    for bad in ("USRC1760783", "USRC176078391", "U1RC17607839", "USRC1760783X", "ÜSRC17607839", "USRC1760783٩"):
        problems = edit_problems(title=None, artists=None, tracks=[TrackForm("t1", None, bad)])
        assert list(problems) == ["tracks.t1.isrc"], bad
    assert edit_problems(title=None, artists=None, tracks=[TrackForm("t1", None, "")]) == {}  # clearing is fine


def test_lengths_and_counts() -> None:
    problems = edit_problems(title="x" * 301, artists=["a"] * 21, tracks=[TrackForm("t9", "y" * 301, None)])
    assert set(problems) == {"title", "artists", "tracks.t9.title"}
    assert edit_problems(title="", artists=[], tracks=[]) == {}  # a draft may be saved half filled in


def test_what_publishing_needs() -> None:
    assert (
        publish_problems(
            title="Lanterns",
            artists=["Moth Choir"],
            release_date=TODAY,
            track_titles={"a": "One"},
            today=TODAY,
        )
        == {}
    )
    problems = publish_problems(
        title="Unknown Album",
        artists=["Unknown Artist", " "],
        release_date=None,
        track_titles={"a": " "},
        today=TODAY,
    )
    assert problems == {
        "title": "Give the release its title.",
        "artists": "Credit at least one artist.",
        "release_date": "Choose the release date.",
        "tracks.a.title": "Give this track its title.",
    }
    assert publish_problems(title="T", artists=["A"], release_date=TODAY, track_titles={}, today=TODAY) == {
        "tracks": "Upload at least one track."
    }


@pytest.mark.parametrize("invisible", ["\u200b", "\u2800", "\u3164", "\u202e", "\u200b\u200d "])
def test_names_a_listener_cannot_see_are_refused_on_the_form_and_at_publish(invisible: str) -> None:
    """probe16 F9: a release 'U+200B' by 'U+2800' with the track 'U+3164' was saved and published."""
    form = edit_problems(title=invisible, artists=[invisible], tracks=[TrackForm("a", invisible, None)])
    assert set(form) == {"title", "artists", "tracks.a.title"}
    assert "visible" in form["title"] and "visible" in form["artists"]
    published = publish_problems(
        title=invisible, artists=["Moth Choir", invisible], release_date=TODAY, track_titles={"a": invisible},
        today=TODAY,
    )  # fmt: skip
    assert set(published) == {"title", "artists", "tracks.a.title"}


def test_a_name_that_reads_reversed_is_refused_on_the_form() -> None:
    """review24n N2: tags lose bidi overrides (probe24b F6), but the same title typed into the form kept them."""
    form = edit_problems(title="\u202ezltaW", artists=["\u2067Moth"], tracks=[TrackForm("a", "Song\u202a", None)])
    assert set(form) == {"title", "artists", "tracks.a.title"}
    assert all("override, embedding or isolate" in p for p in form.values()), form
    assert edit_problems(title="\u05e9\u05dc\u05d5\u05dd", artists=["\u200fMoth"], tracks=[]) == {}  # RTL text, marks


@pytest.mark.parametrize("released", [date(9999, 12, 31), date(1, 1, 1), date(1899, 12, 31), date(2037, 1, 1)])
def test_a_release_date_the_form_refuses_is_refused_at_publish(released: date) -> None:
    """probe16 F8: the album edit took 9999-12-31, and the release headed New releases and `tag:new`."""
    problems = publish_problems(title="T", artists=["A"], release_date=released, track_titles={"a": "1"}, today=TODAY)
    assert problems == {"release_date": "The release year must be between 1900 and 2036."}
    assert release_date_problem(date(2036, 12, 31), today=TODAY) is None


def test_the_form_and_publish_draw_the_year_range_at_the_same_years() -> None:
    """The form reads the year before the calendar does; publish and the album edit read a date's year: one rule."""
    for year in range(1890, 2050):
        parsed, problem = parse_release_date(f"{year:04d}-06-15", today=TODAY)
        assert problem == release_date_problem(date(year, 6, 15), today=TODAY), year
        assert (parsed is None) == (problem is not None), year
