"""Playlist policy and reorder arithmetic, without a database."""

import pytest

from encore.library import Access, moved, playlist_access
from encore.library._policy import clean_text, may_change, may_view


def test_private_playlist_of_someone_else_is_hidden_like_a_missing_one() -> None:
    access = playlist_access(owner_id=1, public=False, viewer_id=2)
    assert access is Access.HIDDEN
    assert may_view(access).reason == "not_found"
    assert may_change(access).reason == "not_found"
    assert playlist_access(owner_id=1, public=False, viewer_id=None) is Access.HIDDEN


def test_public_playlist_is_readable_but_only_the_owner_changes_it() -> None:
    access = playlist_access(owner_id=1, public=True, viewer_id=2)
    assert may_view(access).allowed
    decision = may_change(access)
    assert not decision.allowed and decision.reason == "not_owner"
    assert may_change(playlist_access(owner_id=1, public=False, viewer_id=1)).allowed


@pytest.mark.parametrize(
    ("start", "before", "length", "expected"),
    [
        (0, 3, 1, [1, 2, 0, 3, 4]),  # first item to before the fourth
        (4, 0, 1, [4, 0, 1, 2, 3]),  # last to the top
        (1, 5, 2, [0, 3, 4, 1, 2]),  # a block to the end
        (3, 1, 2, [0, 3, 4, 1, 2]),  # a block up
        (2, 2, 1, [0, 1, 2, 3, 4]),  # to where it is: unchanged
        (2, 3, 1, [0, 1, 2, 3, 4]),  # just after itself: unchanged
    ],
)
def test_moves_follow_spotify_reorder_semantics(start: int, before: int, length: int, expected: list[int]) -> None:
    assert moved([0, 1, 2, 3, 4], range_start=start, insert_before=before, range_length=length) == expected


@pytest.mark.parametrize(("start", "before", "length"), [(5, 0, 1), (-1, 0, 1), (0, 6, 1), (4, 0, 2), (0, 1, 0)])
def test_moves_outside_the_playlist_are_refused(start: int, before: int, length: int) -> None:
    with pytest.raises(ValueError, match=r"outside|range"):
        moved([0, 1, 2, 3, 4], range_start=start, insert_before=before, range_length=length)


def test_names_keep_markup_and_rtl_marks_but_refuse_control_characters() -> None:
    hostile = '<script>alert("x")</script> \u200fkcart'
    assert clean_text(f"  {hostile} ", field="name", limit=100, allow_empty=False) == hostile
    with pytest.raises(ValueError, match="override, embedding or isolate"):  # reads reversed: review24n N2
        clean_text("\u202ekcart", field="name", limit=100, allow_empty=False)
    for bad in ("", "   ", "a\x00b", "x" * 101):
        with pytest.raises(ValueError, match="name"):
            clean_text(bad, field="name", limit=100, allow_empty=False)
    assert clean_text("\u05e9\u05d9\u05e8\u200f", field="name", limit=100, allow_empty=False)  # Hebrew and a mark
    # The probe of session 15: names of only right-to-left overrides or zero-width characters showed as nothing.
    for invisible in (
        "\u202e",
        "\u202e\u202e\u200b",
        "\u200d\ufeff",
        "\u0301\u0301",
        "\u2066\u2069",
        "\u3164",
        "\u115f\u1160",
        "\uffa0",
        "\u2800",
    ):
        with pytest.raises(ValueError, match="no visible character"):
            clean_text(invisible, field="name", limit=100, allow_empty=False)
        with pytest.raises(ValueError, match="no visible character"):
            clean_text(invisible, field="description", limit=100, allow_empty=True)
