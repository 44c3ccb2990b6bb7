"""The catalogue's one rule for "may anyone stream this track" on a row already read (`unplayable_reason`, the
pure twin of `music_track()`): what a listener's lists mark and the stream decision refuses."""

import pytest

from encore.catalog import NOT_MUSIC, ReleaseStatus, unplayable_reason


@pytest.mark.parametrize(
    ("status", "is_ad", "reason"),
    [
        (ReleaseStatus.PUBLISHED.value, False, None),
        (ReleaseStatus.WITHDRAWN.value, False, "withdrawn"),
        (ReleaseStatus.DRAFT.value, False, "draft"),
        (ReleaseStatus.PUBLISHED.value, True, NOT_MUSIC),
        (ReleaseStatus.WITHDRAWN.value, True, "withdrawn"),  # its release's status says more than the ad flag
        ("", False, "unlisted"),  # not published, whatever it is: never streamed, and a reason that reads true
    ],
)
def test_only_published_music_is_playable(status: str, is_ad: bool, reason: str | None) -> None:
    assert unplayable_reason(status=status, is_ad=is_ad) == reason
