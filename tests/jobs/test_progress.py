"""How often a job's progress reaches the `jobs` table: by time and, with a known total, by work done (issue #17:
a loaded machine stretched the wall time of an import and so wrote more progress rows, each a commit)."""

import itertools
from pathlib import Path

from encore.jobs import JobContext
from encore.jobs._context import PROGRESS_EVERY_S, PROGRESS_KEEP_S, PROGRESS_STEPS
from encore.kernel import SystemClock


def _context(reports: list[tuple[int, int | None, str | None]]) -> JobContext:
    return JobContext(
        job_id="j", kind="test", user_id=None, payload={}, sessions=None,  # type: ignore[arg-type]
        clock=SystemClock(), files=Path("."), attempt=1,
        _report=lambda done, total, message: reports.append((done, total, message)),
    )  # fmt: skip


def _later(ctx: JobContext, seconds: float) -> None:
    ctx._last -= seconds  # as if that much wall time had gone by since the last report


def test_a_known_total_bounds_the_reports_by_work_done_however_slow_the_machine() -> None:
    reports: list[tuple[int, int | None, str | None]] = []
    ctx = _context(reports)
    total = 100_000
    for done in range(0, total + 1, 100):  # 1,001 calls, each as if 0.3 s apart (more than the time throttle)
        ctx.progress(done, total, "Saving")
        _later(ctx, 0.3)
    assert 1 < len(reports) <= PROGRESS_STEPS + 1
    steps = [b[0] - a[0] for a, b in itertools.pairwise(reports)]
    assert min(steps) * PROGRESS_STEPS >= total


def test_without_a_total_time_alone_throttles() -> None:
    reports: list[tuple[int, int | None, str | None]] = []
    ctx = _context(reports)
    ctx.progress(0, None, "Checking")
    ctx.progress(0, None, "Checking")  # at once: not written
    assert len(reports) == 1
    _later(ctx, PROGRESS_EVERY_S)
    ctx.progress(0, None, "Checking")
    assert len(reports) == 2


def test_the_lease_is_kept_even_when_work_advances_slowly_and_force_always_writes() -> None:
    reports: list[tuple[int, int | None, str | None]] = []
    ctx = _context(reports)
    ctx.progress(0, 1_000, None)
    _later(ctx, PROGRESS_EVERY_S * 2)
    ctx.progress(1, 1_000, None)  # 0.1% more: too little to write
    assert len(reports) == 1
    _later(ctx, PROGRESS_KEEP_S)
    ctx.progress(2, 1_000, None)  # still little, but the lease needs renewing
    ctx.progress(3, 1_000, "Done", force=True)
    assert [r[0] for r in reports] == [0, 2, 3]
