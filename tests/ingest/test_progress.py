"""The command line's progress bar and summary: names stay readable, tag text is never markup."""

from rich.console import Console

from encore.ingest import IngestSummary, RichProgress, render_summary


def test_summary_keeps_file_names_whole_and_prints_reasons_literally() -> None:
    console = Console(record=True, width=80, color_system=None)
    summary = IngestSummary(imported=2, skipped=5)
    deep = "/very/long/library/path/that/goes/on/and/on/for/a/while/Artist/Album/broken file.mp3"
    summary.failed.append((deep, "not a readable audio file ([red]boom[/red])"))
    progress = RichProgress(console)
    progress.start(1)
    progress.advance(deep, "failed")
    progress.finish()
    render_summary(summary, console)
    text = console.export_text()
    assert "broken file.mp3" in text
    assert "[red]boom[/red]" in text
    assert "imported" in text and "skipped (unchanged)" in text
