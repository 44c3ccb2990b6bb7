"""`encore ingest`: the real pipeline with a rich progress bar and a closing summary."""

from pathlib import Path

from rich.console import Console

from encore import ads, history
from encore.bootstrap import Container
from encore.cli._shown import shown
from encore.ingest import RichProgress, render_summary, run_ingest


def run_ingest_command(
    c: Container, *, paths: list[Path], label: str | None, workers: int | None, console: Console, ad: bool = False
) -> int:
    """Returns how many files failed, this run or unchanged since an earlier one, so the exit status tells
    scripts (cron) for as long as any file is missing from the catalogue. `ad`: the files are advertisers' spots,
    saved as ad audio and never listed (`ads.mark_spot`)."""
    summary = run_ingest(
        paths=paths,
        session_factory=c.sessions,
        store=c.store,
        label_override=label,
        workers=workers or c.settings.ingest_workers,
        progress=RichProgress(console),
        as_ad=ads.mark_spot if ad else None,
    )
    render_summary(summary, console)
    if ad:
        _print_spots(c, summary.track_ids, summary.skipped_tracks, console)
    stayed_music = 0
    if ad and summary.skipped_tracks:  # `--ad` changes nothing of a file read before (review27c M1): say so, and fail
        with c.sessions() as s:  # ... unless that file is a spot already (review28a L3)
            stayed_music = ads.music_among(s, summary.skipped_tracks)
    if stayed_music:
        console.print(
            f"[yellow]{stayed_music} file(s) ingested as music before were skipped as unchanged[/yellow]: a file"
            " ingested as music stays music (music never becomes an ad). A spot must be new audio."
        )
    # the catalogue grew: listens kept by text (scrobbles, imports) may now have their track
    linked = history.match_listens_in_steps(c.sessions)
    if linked:
        console.print(f"linked {linked} earlier listens to tracks now in the catalogue")
    return len(summary.failed) + len(summary.still_failing) + stayed_music


def _print_spots(c: Container, public_ids: list[str], row_ids: list[int], console: Console) -> None:
    """Each spot's track id, which a campaign names (`track_id` of POST /api/admin/ad-campaigns): nothing else
    showed it (review32c M2)."""
    with c.sessions() as s:
        spots = ads.spots_among(s, public_ids=public_ids, row_ids=row_ids)
    for track_id, title in spots:
        console.print(f"Spot [bold]{shown(title)}[/bold]: track id {track_id}", soft_wrap=True, highlight=False)
    if spots:
        console.print("Name a spot's track id as `track_id` in an ad campaign (README, Admin screens).")
