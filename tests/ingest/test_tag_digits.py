"""Tag fields that are numbers take ASCII digits only: other scripts' digits are kept out, never crash a file.

`str.isdigit` is true for "²" and "٣", and `\\d` matches any script's digits: a track number "²" raised in
`int()` and failed the whole file's ingest, and an ISRC or UPC in fullwidth digits was stored as given."""

import pytest

from encore.ingest._tags import parse


def _tags(**fields: str):  # type: ignore[no-untyped-def]
    return parse({name: [value] for name, value in fields.items()}, None)


@pytest.mark.parametrize("number", ["²", "٣", "３/12", "¹²"])
def test_a_track_or_disc_number_in_other_digits_is_no_number_and_the_file_goes_in(number: str) -> None:
    tags = _tags(title="Song", track=number, disc=number)
    assert (tags.title, tags.track, tags.disc) == ("Song", None, None)
    assert (_tags(track="3/12").track, _tags(disc="2").disc) == (3, 2)


def test_codes_and_dates_in_other_digits_are_not_kept() -> None:
    odd = _tags(isrc="GBENC２４00001", upc="０１２３４５６７８９０１", date="２０２４-03-05")
    assert (odd.isrc, odd.upc, odd.release_date) == (None, None, None)
    good = _tags(isrc="GB-ENC-24-00001", upc="012345678901", date="2024-03-05")
    assert (good.isrc, good.upc, str(good.release_date)) == ("GBENC2400001", "012345678901", "2024-03-05")
