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
        ("12 - Song", "Song", 12, None),
        ("12. Song", "Song", 12, None),
        ("3) Song", "Song", 3, None),
        ("001 Song", "Song", 1, None),
        ("012 Song", "Song", 12, None),
        ("099_Song", "Song", 99, None),
        ("01-Song", "Song", 1, None),
        ("01 2 Become 1", "2 Become 1", 1, None),  # a space, then the title's own digit
        ("(01) Song", "Song", 1, None),
        ("[01] Song", "Song", 1, None),
        ("(1)Song", "Song", 1, None),
        ("[12] - Song", "Song", 12, None),
        ("Track01", "Track01", 1, None),  # nothing else to call it
        ("Track 01", "Track 01", 1, None),
        ("track_7", "track_7", 7, None),
        ("Track 7 - Song", "Song", 7, None),
        ("TRACK12.Song", "Song", 12, None),
        ("CD2 - 01 - Song", "Song", 1, 2),
        ("Disc 2 - 01 - Song", "Song", 1, 2),
        ("cd1 03 Song", "Song", 3, 1),
        ("Disk 10 - 1. Song", "Song", 1, 10),
        ("CD2-01_Song", "Song", 1, 2),
        ("Artist - Release - CD2 - 04 Song", "Song", 4, 2),
        ("Artist - 2019 - Album - 01 - Song", "Song", 1, None),
        ("01 - Artist - Song", "Artist - Song", 1, None),  # a title may hold " - ": kept as it is
        ("Artist - Release - 7 - Song", "Song", 7, None),
        ("1-10 Song", "Song", 10, 1),
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
        "12 Song",  # not padded, no clear separator
        "103 Song",
        "99 Luftballons",
        "50 Cent - In Da Club",  # review23n F4: names, not numbers
        "311 - Amber",  # three digits not padded: never a track number
        "112 - Peaches and Cream",
        "702 - Where My Girls At",
        "808 State - Pacific",
        "1-800-273-8255",  # digits run on after the separator
        "Logic - 1-800-273-8255",
        "24-7 Title",
        "3-2-1",
        "1-1 Title",  # disc-track needs a two-digit track
        "1.5 Title",
        "10-01 Title",  # a disc is one digit before "-"
        "01.5 Title",
        "7-Eleven",  # not padded: "-" must be followed by a space
        "1.Song",
        "1_Song",
        "5",
        "(311) Amber",
        "(2024) Song",
        "0001 Song",
        "A1 Title",  # vinyl sides: B2 is not track 2 of the release
        "B2 - Title",
        "Disc 2",  # a disc without a track
        "Disco 2000",
        "CD0 - 1. Song",  # no disc 0 (and "1." after one part is no number)
        "Artist - 7 - Song",  # after one part only a padded number
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
