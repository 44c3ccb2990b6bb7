"""A file whose tags give no track number is numbered and titled from its name where the pattern is clear
(probe23 F4: untagged WAV masters were all track 1, titled with the whole file name). A pure function."""

import pytest

from encore.ingest._filenames import NameFacts, name_facts


@pytest.mark.parametrize(
    ("stem", "title", "track", "disc"),
    [
        ("01 Song 1", "Song 1", 1, None),
        ("01 - Song", "Song", 1, None),
        ("01. Song", "Song", 1, None),
        ("1. Song", "Song", 1, None),
        ("7 - Song", "Song", 7, None),
        ("01_Song", "Song", 1, None),
        ("12 Song", "Song", 12, None),
        ("103 Song", "Song", 103, None),
        ("Probe Artist - Probe Release - 01 Song 1", "Song 1", 1, None),
        ("Probe Artist - Probe Release - 02 Song 2", "Song 2", 2, None),
        ("Artist - Release - 03 - Song - Live", "Song - Live", 3, None),
        ("Artist - 04 Song", "Song", 4, None),
        ("1-01 Song", "Song", 1, 1),
        ("2-03 - Song", "Song", 3, 2),
        ("Artist - Release - 2-11 Song", "Song", 11, 2),
        ("05", "05", 5, None),  # nothing else to call it
        ("Artist - Release - 06", "Artist - Release - 06", 6, None),
    ],
)
def test_the_common_patterns_give_the_number_and_a_title_without_it(
    stem: str, title: str, track: int, disc: int | None
) -> None:
    assert name_facts(stem) == NameFacts(title=title, track=track, disc=disc)


@pytest.mark.parametrize(
    "stem",
    [
        "Song",
        "2024 Remaster",  # a year, not a track number
        "Song (2024 Remaster)",
        "Artist - Song - 2024 Remaster",
        "9 Crimes",  # one digit and a space: the title's own
        "Artist - 99 Problems",  # no release named: the number may be the title's
        "00 Intro",  # no track 0
        "0-01 Intro",  # no disc 0
        "1000 Songs",
        "Artist - Title",  # the artist cannot be told from a title with a dash
        "０１ Song",  # other scripts' digits are not read as numbers (test_tag_digits)
        "٠١ Song",
        "-1 Song",
        "",
    ],
)
def test_a_name_without_a_clear_number_keeps_its_whole_name_and_gets_no_number(stem: str) -> None:
    assert name_facts(stem) == NameFacts(title=stem)


def test_control_characters_are_dropped_before_the_name_is_read() -> None:
    assert name_facts("01\x1b - Song\r\n\x00") == NameFacts(title="Song", track=1)
    assert name_facts("01\x1b[31m Song") == NameFacts(title="01[31m Song")  # no separator left: no number
    assert name_facts("\x0701 - Bell") == NameFacts(title="Bell", track=1)
    assert name_facts("\x00\x01") == NameFacts(title="")


def test_a_very_long_name_is_bounded_and_read_at_once() -> None:
    long = "Artist - Release - 01 " + "la " * 100_000
    facts = name_facts(long)
    assert facts.track == 1 and len(facts.title) <= 300 and facts.title.startswith("la la")
    spaces = "01" + " " * 50_000 + "x"  # no backtracking blow-up on runs of separators
    assert name_facts(spaces).track == 1
    assert name_facts("- " * 50_000) == NameFacts(title=("- " * 150).strip())  # bounded, then trimmed
