"""The Range decision table (RFC 9110 §14), including hostile headers."""

import random

import pytest

from encore.streaming import Full, Partial, Unsatisfiable, _ranges, parse_range

SIZE = 1000


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, Full()),
        ("", Full()),
        ("bytes=0-99", Partial(0, 99)),
        ("bytes=100-", Partial(100, 999)),
        ("bytes=-100", Partial(900, 999)),
        ("bytes=-5000", Partial(0, 999)),
        ("bytes=990-5000", Partial(990, 999)),
        ("bytes=999-999", Partial(999, 999)),
        ("BYTES = 0-0", Partial(0, 0)),  # range units are case-insensitive
        ("bytes=0-99999999999999999999999", Partial(0, 999)),  # an overflowing end clamps
        ("bytes=0-" + "9" * 150, Partial(0, 999)),
        ("bytes=1000-", Unsatisfiable()),
        ("bytes=1000-1005", Unsatisfiable()),
        ("bytes=99999999999999999999-", Unsatisfiable()),
        ("bytes=-0", Unsatisfiable()),
        ("bytes=500-100", Full()),  # inverted: an invalid spec, ignored (RFC 9110 §14.1.1, §14.2)
        ("bytes=0-1,5-9", Full()),  # several ranges: the whole file, never multipart
        ("bytes=0-1, 2000-3000", Full()),
        ("bytes=" + ",".join(f"{i}-{i}" for i in range(1000)), Full()),  # a thousand ranges
        ("bytes=0-" + "9" * 5000, Full()),  # longer than any honest header
        ("items=0-10", Full()),  # an unknown unit must be ignored
        ("bytes", Full()),
        ("bytes=", Full()),
        ("bytes=-", Full()),
        ("bytes=5", Full()),
        ("bytes=abc-def", Full()),
        ("bytes=--5", Full()),
        ("bytes=-5-", Full()),
        ("bytes=1-2-3", Full()),
        ("bytes=0x10-", Full()),
        ("bytes=+5-10", Full()),
        ("bytes=-+5", Full()),
        ("bytes=1_000-", Full()),  # int() would accept the underscore
        ("bytes=٣-٤", Full()),  # Arabic-Indic digits are digits to str.isdigit, not to HTTP
        ("bytes=²-", Full()),  # superscript two: isdigit() is True and int() would raise
        ("bytes=0-\x00", Full()),
        ("bÿtes=0-1", Full()),
    ],
)
def test_range_decisions(header: str | None, expected: object) -> None:
    assert parse_range(header, SIZE) == expected


def test_empty_file() -> None:
    assert parse_range("bytes=0-", 0) == Unsatisfiable()
    assert parse_range("bytes=-5", 0) == Unsatisfiable()
    assert parse_range(None, 0) == Full()


def test_partial_length() -> None:
    decision = parse_range("bytes=10-19", SIZE)
    assert isinstance(decision, Partial) and decision.length == 10


def test_random_garbage_never_raises() -> None:
    rng = random.Random(9110)
    alphabet = "bytes=-,0123456789 \t\x00é²٣xX;+_"
    for _ in range(5000):
        header = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        decision = parse_range(header, rng.randint(0, 2000))
        assert isinstance(decision, Full | Partial | Unsatisfiable)


def test_a_huge_header_of_ranges_is_answered() -> None:
    """Functional, not timed: a megabyte of ranges is refused by its length, not parsed."""
    header = "bytes=" + ",".join(f"{i}-{i + 1}" for i in range(100_000))
    assert parse_range(header, SIZE) == Full()


def test_the_players_form_decides_as_the_general_parse() -> None:
    """`bytes=a-b` is answered before the general parse: the two must agree on every such header, and on the
    near misses (spaces, signs, other digits, several dashes) that the short path hands on."""
    rng = random.Random(14)
    for _ in range(20_000):
        a, b = rng.randint(0, 3000), rng.randint(0, 3000)
        header = rng.choice(
            [f"bytes={a}-{b}", f"bytes={a}-", f"bytes=-{b}", f"bytes= {a}-{b}", f"bytes={a}-{b}-1", f"bytes=+{a}-{b}"]
        )
        header = header.replace("1", rng.choice(["1", "1", "1", "²", "٣"]))
        size = rng.randint(0, 2500)
        assert parse_range(header, size) == _ranges._parse(header, size), header
