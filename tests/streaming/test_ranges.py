import pytest

from encore.streaming import Full, Partial, Unsatisfiable, parse_range

SIZE = 1000


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, Full()),
        ("bytes=0-99", Partial(0, 99)),
        ("bytes=100-", Partial(100, 999)),
        ("bytes=-100", Partial(900, 999)),
        ("bytes=-5000", Partial(0, 999)),
        ("bytes=990-5000", Partial(990, 999)),
        ("BYTES = 0-0", Partial(0, 0)),
        ("bytes=0-99999999999999999999", Partial(0, 999)),  # overflowing end clamps
        ("bytes=1000-", Unsatisfiable()),
        ("bytes=99999999999999999999-", Unsatisfiable()),
        ("bytes=-0", Unsatisfiable()),
        ("bytes=500-100", Full()),  # inverted: invalid, so ignored (RFC 9110 §14.2)
        ("bytes=0-1,5-9", Full()),  # several ranges: we send the whole file, not multipart
        ("items=0-10", Full()),
        ("bytes=abc-def", Full()),
        ("bytes=-", Full()),
        ("bytes=5", Full()),
        ("bytes=٣-٤", Full()),  # non-ASCII digits are not digits here
        ("bytes=" + ",".join(f"{i}-{i}" for i in range(1000)), Full()),  # a thousand ranges
        ("bytes=0-" + "9" * 5000, Full()),
    ],
)
def test_range_decisions(header: str | None, expected: object) -> None:
    assert parse_range(header, SIZE) == expected


def test_empty_file() -> None:
    assert parse_range("bytes=0-", 0) == Unsatisfiable()
    assert parse_range("bytes=-5", 0) == Unsatisfiable()
    assert parse_range(None, 0) == Full()
