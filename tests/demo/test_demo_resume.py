"""The demo build's resumable parts: its progress file and the library of written files that a re-run reuses."""

from pathlib import Path

import pytest

from encore.demo import BuildProgress, DemoSpec, plan_catalogue, read_progress, write_demo_library, write_progress


def test_progress_round_trips_with_the_plan_it_builds(tmp_path: Path) -> None:
    spec = DemoSpec(albums=3, tracks=10, min_track_s=3.0, max_track_s=5.0)
    progress = BuildProgress(1, 3, 4, 10, "catalogue", finished=False, spec=spec)
    write_progress(tmp_path, progress)
    assert read_progress(tmp_path) == progress
    assert [p.name for p in tmp_path.iterdir()] == [".demo-build.json"]  # no temp file left beside it


@pytest.mark.parametrize(
    "text",
    [
        "",
        "{",
        "[]",
        '{"albums_done": 1}',
        '{"albums_done": "x", "albums_total": 1, "tracks_done": 1, '
        '"tracks_total": 1, "stage": "catalogue", "finished": false}',
        "\x00\xff",
    ],
)
def test_an_unreadable_progress_file_counts_as_none(tmp_path: Path, text: str) -> None:
    (tmp_path / ".demo-build.json").write_text(text, errors="surrogateescape")
    assert read_progress(tmp_path) is None
    assert read_progress(tmp_path / "missing") is None


def test_a_rerun_reuses_written_files_and_replaces_a_half_written_one(tmp_path: Path) -> None:
    plan = plan_catalogue(DemoSpec(artists=3, albums=3, tracks=6, min_track_s=1.0, max_track_s=2.0, seed=5))
    files = write_demo_library(plan, tmp_path)
    stamps = {f: f.stat().st_mtime_ns for f in files}
    files[0].unlink()  # as if a build had stopped before writing it
    again = write_demo_library(plan, tmp_path)
    assert again == files and files[0].exists()
    assert all(f.stat().st_mtime_ns == stamps[f] for f in files[1:])  # not synthesised again
    assert not [p for p in tmp_path.rglob(".*") if p.is_file()]  # no temp files left behind
