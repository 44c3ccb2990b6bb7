"""Which bytes a Subsonic stream request gets: a pure decision with its reason."""

import pytest

from encore.streaming import choose_delivery, mp3_kbps

BOTH = frozenset({"vorbis160", "opus96"})


@pytest.mark.parametrize(
    ("fmt", "max_kbps", "offset", "available", "expect"),
    [
        (None, 0, 0, BOTH, ("file", "vorbis160", "stored_fits")),
        (None, 160, 0, BOTH, ("file", "vorbis160", "stored_fits")),
        (None, 128, 0, BOTH, ("file", "opus96", "stored_fits")),
        (None, 64, 0, BOTH, ("mp3", "vorbis160", "bitrate_below_renditions")),
        ("mp3", 0, 0, BOTH, ("mp3", "vorbis160", "format_mp3")),
        ("MP3", 0, 0, BOTH, ("mp3", "vorbis160", "format_mp3")),
        ("raw", 32, 30, BOTH, ("file", "vorbis160", "raw")),
        ("opus", 0, 0, BOTH, ("file", "opus96", "stored_fits")),
        ("opus", 0, 0, frozenset({"vorbis160"}), ("mp3", "vorbis160", "bitrate_below_renditions")),
        (None, 0, 30, BOTH, ("mp3", "vorbis160", "time_offset")),
        # review25c M3: a format Encore does not make is no preference (Navidrome's answer), not a refusal
        ("flac", 0, 0, BOTH, ("file", "vorbis160", "stored_fits")),
        ("AAC", 128, 0, BOTH, ("file", "opus96", "stored_fits")),
        ("m4a", 64, 0, BOTH, ("mp3", "vorbis160", "bitrate_below_renditions")),
        ("../../x", 0, 0, BOTH, (None, None, "malformed_format")),
        ("mp3;rm -rf", 0, 0, BOTH, (None, None, "malformed_format")),
        (None, 0, 0, frozenset(), (None, None, "no_rendition")),
    ],
    ids=[f"case-{i}" for i in range(16)],  # frozensets print in hash order; xdist workers must agree
)
def test_choose_delivery(
    fmt: str | None, max_kbps: int, offset: int, available: frozenset[str], expect: tuple[object, ...]
) -> None:
    d = choose_delivery(fmt=fmt, max_kbps=max_kbps, offset_s=offset, available=available)
    assert (d.mode, d.rendition, d.reason) == expect


def test_mp3_bitrate_never_exceeds_the_limit() -> None:
    assert [mp3_kbps(x) for x in (0, 1, 32, 100, 128, 129, 5000)] == [192, 32, 32, 96, 128, 128, 320]
