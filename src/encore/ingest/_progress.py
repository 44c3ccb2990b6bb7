"""A rich progress bar (files/s, ETA) and the closing summary table for the command line."""

from pathlib import PurePath

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from encore.ingest._pipeline import IngestSummary
from encore.kernel import terminal_safe


class RichProgress:
    def __init__(self, console: Console) -> None:
        self.progress = Progress(
            TextColumn("[bold]Importing"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]} files/s"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=console,
            transient=False,
        )
        self.task: TaskID | None = None

    def start(self, total: int) -> None:
        self.progress.start()
        self.task = self.progress.add_task("ingest", total=total, rate="0.0")

    def advance(self, path: str, outcome: str) -> None:
        if self.task is None:
            return
        self.progress.advance(self.task)
        task = self.progress.tasks[0]
        elapsed = task.elapsed or 0.0
        self.progress.update(self.task, rate=f"{task.completed / elapsed:.1f}" if elapsed > 0 else "0.0")

    def finish(self) -> None:
        self.progress.stop()


def render_summary(summary: IngestSummary, console: Console) -> None:
    table = Table(title="Ingest summary", show_header=False)
    for name, value in (
        ("imported", summary.imported),
        ("updated", summary.updated),
        ("skipped (unchanged)", summary.skipped),
        ("duplicates (same audio)", summary.duplicates),
        ("failed", len(summary.failed)),
        ("still failing (unchanged since it failed)", len(summary.still_failing)),
        ("left out (release taken down)", len(summary.taken_down)),
    ):
        table.add_row(name, str(value))
    console.print(table)
    if summary.failed:
        console.print(_failures(summary.failed))
    if summary.still_failing:
        console.print(_failures(summary.still_failing, title="Still failing (fix or replace the file to retry)"))
    if summary.taken_down:
        console.print(_failures(summary.taken_down, title="Left out: taken down (encore catalog restore first)"))
    for where, warning in folded_warnings(summary.warnings):
        console.print(Text.assemble(("warning ", "yellow"), terminal_safe(f"{where}: {warning}")))


def folded_warnings(warnings: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The same warning for several files of one folder (its cover, read once per track) once, naming the folder
    and how many files (pure; probe25b L1: five tracks, five lines)."""
    by_folder: dict[tuple[str, str], list[str]] = {}
    for path, warning in warnings:
        by_folder.setdefault((str(PurePath(path).parent), warning), []).append(path)
    folded = []
    for (folder, warning), paths in by_folder.items():
        folded.append((paths[0], warning) if len(paths) == 1 else (folder, f"{warning} ({len(paths)} files)"))
    return folded


def _failures(failed: list[tuple[str, str]], *, title: str = "Failed files") -> Table:
    """The file name on its own line (kept whole where it fits), its folder dimmed beneath it."""
    widest = max(len(PurePath(path).name) for path, _ in failed)
    table = Table(title=title, show_lines=True)
    table.add_column("file", overflow="fold", min_width=min(widest, 48))
    table.add_column("reason", overflow="fold", ratio=1)
    for path, reason in failed:
        where = PurePath(path)
        cell = Text(terminal_safe(where.name), style="bold")
        if str(where.parent) not in ("", "."):
            cell.append("\n" + terminal_safe(str(where.parent)), style="dim")
        table.add_row(cell, Text(terminal_safe(reason)))  # Text: never markup; a file's tags are others' text
    return table
