"""catalog.fold: what its spaces are. It splits on str.split()'s whitespace where it used a `\\s+` regex (issue
#17: a quarter of the cost); the keys stored before (identity keys, listens' text keys, the search index) must
come out the same, so both must agree on every code point."""

import re
import sys

import pytest

from encore.catalog import fold
from encore.catalog._text import upc_spellings

_REGEX_SPACE = re.compile(r"\s")


def test_split_and_the_regex_agree_on_every_code_point() -> None:
    differ = [cp for cp in range(sys.maxunicode + 1) if bool(_REGEX_SPACE.match(chr(cp))) != chr(cp).isspace()]
    assert differ == []


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("  The   Beatles ", "the beatles"),
        ("Tab\tand\nnew\x1cline", "tab and new line"),  # \x1c..\x1f are spaces to both
        ("no\u00a0break\u2003em\u3000ideographic", "no break em ideographic"),
        ("Émilie \u2028 ÅNGSTRÖM", "emilie angstrom"),
        ("\u200bzero width", "\u200bzero width"),  # not a space to either
        (" \t ", ""),
    ],
)
def test_fold_collapses_every_run_of_spaces_to_one(text: str, folded: str) -> None:
    assert fold(text) == folded


def test_a_barcodes_spellings_are_one_gtin() -> None:
    """review15: another label's UPC with a leading zero more or less was taken as a new barcode."""
    assert set(upc_spellings("012345678905")) == {"012345678905", "0012345678905", "00012345678905"}
    assert "012345678905" in upc_spellings("00012345678905") and "012345678905" in upc_spellings("12345678905")
    assert upc_spellings("\uff10\uff11") == ("\uff10\uff11",)  # fullwidth digits are only themselves
