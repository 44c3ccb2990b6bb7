"""Text rules every face shares: what a spreadsheet may run."""

import pytest

from encore import labels
from encore.audit._service import _cell as audit_cell
from encore.kernel import spreadsheet_text
from encore.portability._export import _csv_cell as export_cell


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r", "\n", "|"])
def test_every_csv_encore_writes_guards_the_same_formula_starts(start: str) -> None:
    """probe16: the statement, audit and export CSV writers each guarded a different set of characters (the
    export let a tab, a carriage return or a pipe through; the audit log a pipe and a newline)."""
    cell = f"{start}cmd|' /C calc'!A0"
    assert spreadsheet_text(cell) == "'" + cell
    assert labels.csv_cell(cell) == audit_cell(cell) == export_cell(cell) == "'" + cell
    assert spreadsheet_text("Song = Song") == "Song = Song"
