"""`encore jobs list` and `encore ingest --help` (probe25b L4): the real command, in a process of its own."""

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from encore.bootstrap import build
from encore.cli._lists import age
from encore.config import Settings
from encore.db import transaction
from tests.support.cli_process import encore_env, run_cli


def test_jobs_list_shows_the_newest_jobs_whoever_asked(tmp_path: Path, database_url: str) -> None:
    """An operator who lost the id `encore user delete` printed could not find the erasure job from the shell:
    `encore jobs` had only `show ID`."""
    container = build(Settings(mode="dev", data_dir=tmp_path / "var", database_url=database_url))
    first, second = container.jobs.kinds[:2]
    with transaction(container.sessions) as s:
        older = container.jobs.submit(s, kind=first).id
    with transaction(container.sessions) as s:
        newer = container.jobs.submit(s, kind=second).id
    container.close()
    env = encore_env(mode="dev", data_dir=str(tmp_path / "var"), database_url=database_url)
    ran = run_cli(["jobs", "list"], env)
    assert ran.code == 0, ran.output
    rows = [line for line in ran.output.splitlines() if older in line or newer in line]
    assert len(rows) == 2 and newer in rows[0] and older in rows[1], ran.output  # newest first
    assert second in rows[0] and "queued" in rows[0] and re.search(r"\b\d+ (s|min)\b", rows[0]), rows[0]
    only = run_cli(["jobs", "list", "--kind", first], env)
    assert only.code == 0 and older in only.output and newer not in only.output, only.output
    helped = run_cli(["ingest", "--help"], env)
    assert "Files analysed at once" in " ".join(helped.output.split()), helped.output


def test_an_age_reads_as_an_operator_would_say_it() -> None:
    now = datetime(2026, 12, 6, 12, tzinfo=UTC)
    ages = [age(now - timedelta(seconds=s), now) for s in (0, 59, 60, 3599, 3600, 86_399, 86_400 * 3, -5)]
    assert ages == ["0 s", "59 s", "1 min", "59 min", "1 h", "23 h", "3 d", "0 s"]
