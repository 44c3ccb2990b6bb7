"""Text rules every face shares: what a spreadsheet may run."""

import pytest

from encore import labels
from encore.audit._service import _cell as audit_cell
from encore.kernel import marks_refusal, spreadsheet_text, towering_refusal, without_towers
from encore.portability._export import _csv_cell as export_cell


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r", "\n", "|"])
def test_every_csv_encore_writes_guards_the_same_formula_starts(start: str) -> None:
    """probe16: the statement, audit and export CSV writers each guarded a different set of characters (the
    export let a tab, a carriage return or a pipe through; the audit log a pipe and a newline)."""
    cell = f"{start}cmd|' /C calc'!A0"
    assert spreadsheet_text(cell) == "'" + cell
    assert labels.csv_cell(cell) == audit_cell(cell) == export_cell(cell) == "'" + cell
    assert spreadsheet_text("Song = Song") == "Song = Song"


def test_a_tags_tower_keeps_its_first_marks_and_only_those() -> None:
    """`without_towers` (review31c M3): what a file's tags keep of a tower of accents."""
    vietnamese = "Vi\u1ec7t Nam"  # a precomposed letter with two accents: nothing to drop
    assert without_towers(vietnamese) is vietnamese
    assert without_towers("e\u0301" + "\u0300" * 10) == "e\u0301" + "\u0300" * 7  # the precomposed one counts
    assert without_towers("\u00e9" + "\u0300" * 10) == "\u00e9" + "\u0300" * 7
    assert without_towers("a" + "\u0301\u200d" * 12 + "b") == "a" + "\u0301\u200d" * 8 + "\u200d" * 4 + "b"
    assert without_towers("a" + "\u0301" * 9 + "b" + "\u0301" * 9) == "a" + "\u0301" * 8 + "b" + "\u0301" * 8


def test_one_refusal_for_a_tower() -> None:
    """`towering_refusal` (review31c L5): the one question every shown name asks, saying what the name is."""
    assert towering_refusal("Vi\u1ec7t Nam", "A title") is None
    assert towering_refusal("a" + "\u0301" * 8, "A title") is None
    assert towering_refusal("a" + "\u0301" * 9, "A title") == marks_refusal("A title")
