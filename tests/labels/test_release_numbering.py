"""Track numbers on the release form and at publish (probe23 F4): the form takes a whole number from 1 to 999
(a disc from 1 to 99) or says why not, next to the track; publish refuses two tracks with one number on one
disc, naming them. Pure rules, no database."""

from datetime import date

import pytest

from encore.labels import TrackForm
from encore.labels._release_rules import NumberedTrack, edit_problems, numbering_problems, publish_problems

TODAY = date(2026, 12, 6)
TRACK_RULE = "A track number is a whole number from 1 to 999."


def _form(track: str | None = None, disc: str | None = None) -> dict[str, str]:
    return edit_problems(title=None, artists=None, tracks=[TrackForm("t1", None, None, track, disc)])


@pytest.mark.parametrize("good", ["1", " 7 ", "12", "999", "007"])
def test_a_whole_number_from_1_to_999_is_a_track_number(good: str) -> None:
    assert _form(good, "1") == {}


@pytest.mark.parametrize(
    "bad",
    ["0", "-1", "1000", "99999999999999999999", "1.5", "2.0", "1e3", "abc", "3a", "٣", "３", "1_0", "+3", "nan", "1 2"],
)
def test_a_track_number_that_is_not_one_is_refused_next_to_the_track(bad: str) -> None:
    assert _form(bad) == {"tracks.t1.track_number": TRACK_RULE}


def test_an_empty_number_asks_for_one_and_disc_numbers_have_their_own_range() -> None:
    assert _form("  ") == {"tracks.t1.track_number": "Give this track its track number."}
    assert _form(None, "100") == {"tracks.t1.disc_number": "A disc number is a whole number from 1 to 99."}
    assert _form(None, "0") == {"tracks.t1.disc_number": "A disc number is a whole number from 1 to 99."}
    assert _form(None, "99") == _form(None, None) == {}


def test_tracks_sharing_a_number_are_refused_each_with_a_sentence_naming_them() -> None:
    tracks = [
        NumberedTrack("a", "Song 1", 1, 1),
        NumberedTrack("b", "Probe Artist - Probe Release - 02 Song 2", 1, 1),
        NumberedTrack("c", "Song 3", 1, 3),
    ]
    sentence = (
        "“Song 1” and “Probe Artist - Probe Release - 02 Song 2” are both track 1: give each track its own number."
    )
    assert numbering_problems(tracks) == {"tracks.a.track_number": sentence, "tracks.b.track_number": sentence}
    assert numbering_problems([NumberedTrack("a", "A", 1, 1), NumberedTrack("c", "C", 1, 4)]) == {}  # gaps are fine
    assert numbering_problems([]) == {}


def test_each_disc_has_its_own_numbers() -> None:
    two_discs = [NumberedTrack("a", "A", 1, 1), NumberedTrack("b", "B", 2, 1), NumberedTrack("c", "C", 2, 1)]
    problems = numbering_problems(two_discs)
    assert set(problems) == {"tracks.b.track_number", "tracks.c.track_number"}
    assert (
        problems["tracks.b.track_number"] == "“B” and “C” are both track 1 of disc 2: give each track its own number."
    )


def test_many_tracks_on_one_number_are_named_a_few_and_counted() -> None:
    tracks = [NumberedTrack(f"t{i}", "x" * 500, 1, 1) for i in range(500)]
    problems = numbering_problems(tracks)
    assert len(problems) == 500
    sentence = problems["t0".join(("tracks.", ".track_number"))]
    assert len(sentence) < 400 and sentence.endswith("and 496 more are all track 1: give each track its own number.")


def test_publish_says_it_with_the_other_rules() -> None:
    problems = publish_problems(
        title="T",
        artists=["A"],
        release_date=TODAY,
        track_titles={"a": "One", "b": ""},
        today=TODAY,
        numbering=[NumberedTrack("a", "One", 1, 1), NumberedTrack("b", "", 1, 1)],
    )
    assert set(problems) == {"tracks.b.title", "tracks.a.track_number", "tracks.b.track_number"}
