"""Review31a L2: a display name of one letter and 99 stacked combining marks ("Zalgo": "a" + U+0301 x 99, 100
characters) was taken, and drew a tower over the rows around it wherever it is shown. The rule of every shown name
caps the combining marks on one letter (`kernel.MAX_STACKED_MARKS`), and keeps every real script."""

import pytest

from encore.accounts import check_display_name, check_own_display_name
from encore.kernel import MAX_STACKED_MARKS, stacked_marks
from encore.labels._release_rules import edit_problems
from encore.library._policy import clean_text

TOWERS = [
    "a" + "\u0301" * 99,  # the review's
    "Mara" + "\u0301\u0300\u0302\u0303\u0308\u030a\u030b\u030c\u0306",  # nine different accents on one letter
    "a" + "\u0301\u200d" * 20,  # a zero-width joiner between the accents still draws them stacked
    "\u00e9" + "\u0301" * 8,  # a precomposed accent counts: 9 once decomposed
    "\u20e3" * 3 + "x" + "\u20dd" * 9,  # enclosing marks stack too
]
# Real writing, decomposed where it is counted: Vietnamese, Yoruba, pointed Hebrew with cantillation, Devanagari,
# Tibetan (a Sanskrit stack of 6), Thai, Arabic with its vowels, polytonic Greek, a keycap emoji, and the limit itself.
WRITTEN = [
    "Nguy\u1ec5n Th\u1ecb \u00c1nh Tuy\u1ebft",
    "\u1ecc\u0300\u1e63\u1ecd\u0301",
    "\u05d1\u05b0\u05bc\u05e8\u05b5\u05d0\u05e9\u05c1\u05b4\u0596\u05d9\u05ea \u05e9\u05b0\u05bc\u05c1\u0591",
    "\u0936\u094d\u0930\u0940\u092e\u093e\u0928\u094d",
    "\u0f56\u0f66\u0f92\u0fb2\u0f74\u0f56\u0f66 \u0f67\u0f90\u0fb5\u0fa8\u0fb1\u0f71\u0f80",
    "\u0e19\u0e49\u0e33",
    "\u0645\u064f\u062d\u064e\u0645\u064e\u0651\u062f",
    "\u1f85\u1faf",
    "1\ufe0f\u20e3 Club",
    "a" + "\u0301" * MAX_STACKED_MARKS,
]


@pytest.mark.parametrize("name", TOWERS)
def test_a_tower_of_combining_marks_is_refused_wherever_a_shown_name_is_checked(name: str) -> None:
    assert stacked_marks(name) > MAX_STACKED_MARKS
    for decision in (check_display_name(name), check_own_display_name(name, username="mara")):
        assert not decision.allowed, ascii(name)
        assert f"at most {MAX_STACKED_MARKS} accents or other combining marks on one letter" in decision.reason
    with pytest.raises(ValueError, match="combining marks"):  # a playlist's name and description
        clean_text(name, field="name", limit=100, allow_empty=False)
    problems = edit_problems(title=name, artists=[name], tracks=[])  # a label's release, as its form saves it
    assert "combining marks" in problems["title"] and "combining marks" in problems["artists"]


@pytest.mark.parametrize("name", WRITTEN)
def test_every_script_keeps_its_marks(name: str) -> None:
    assert check_display_name(name).allowed, ascii(name)
    assert check_own_display_name(name, username="mara").allowed, ascii(name)
    assert clean_text(name, field="name", limit=100, allow_empty=False) == name
    assert edit_problems(title=name, artists=[name], tracks=[]) == {}
