"""`encore wrapped build` for everyone or one listener, with clear errors for bad input."""

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from encore.bootstrap import build
from encore.cli import app
from encore.db import transaction
from encore.insights import Snapshot, WrappedSnapshot
from tests.insights.world import make_world

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ENCORE_MODE", "dev")
    monkeypatch.setenv("ENCORE_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("ENCORE_DATABASE_URL", raising=False)
    return tmp_path


def _stored() -> dict[tuple[int, str], Snapshot]:
    c = build()
    with c.sessions() as s:
        rows = s.execute(select(WrappedSnapshot.user_id, WrappedSnapshot.period, WrappedSnapshot.data)).all()
    c.close()
    return {(u, p): Snapshot.from_json(d) for u, p, d in rows}


def test_build_for_everyone_then_one_listener(env: Path) -> None:
    assert runner.invoke(app, ["migrate"]).exit_code == 0
    c = build()
    with transaction(c.sessions) as s:
        w = make_world(s)
        for day in range(1, 6):
            w.play(w.alice, 0, datetime(2024, 3, day, tzinfo=UTC))
        w.play(w.bob, 2, datetime(2024, 7, 1, tzinfo=UTC))
        w.play(w.bob, 2, datetime(2019, 7, 1, tzinfo=UTC))
        alice, bob = w.alice, w.bob
    c.close()

    everyone = runner.invoke(app, ["wrapped", "build", "--year", "2024"])
    assert everyone.exit_code == 0 and "2 listener(s)" in everyone.output
    stored = _stored()
    assert stored[(alice, "2024")].listens == 5 and stored[(bob, "2024")].listens == 1

    parallel = runner.invoke(app, ["wrapped", "build", "--decade", "2020s", "--workers", "2"])  # two processes
    assert parallel.exit_code == 0 and "2 listener(s)" in parallel.output, parallel.output
    assert _stored()[(alice, "2020s")].listens == 5 and _stored()[(bob, "2020s")].listens == 1

    one = runner.invoke(app, ["wrapped", "build", "--decade", "2010s", "--user", "BOB"])
    assert one.exit_code == 0 and "1 listener(s)" in one.output
    assert _stored()[(bob, "2010s")].top_artists[0].name == "Omar Reyes"


def test_bad_input_is_a_clear_error(env: Path) -> None:
    assert runner.invoke(app, ["migrate"]).exit_code == 0
    both = runner.invoke(app, ["wrapped", "build", "--year", "2024", "--decade", "2020s"])
    assert both.exit_code == 2 and "exactly one" in both.output
    bad = runner.invoke(app, ["wrapped", "build", "--decade", "1999x"])
    assert bad.exit_code == 1 and "decade like 2020s" in bad.output
    nobody = runner.invoke(app, ["wrapped", "build", "--year", "2024", "--user", "ghost"])
    assert nobody.exit_code == 1 and "ghost" in nobody.output
