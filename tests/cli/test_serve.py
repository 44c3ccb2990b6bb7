"""`encore serve --workers N`: how many workers, and the refusal that keeps ad clocks from splitting."""

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from encore.bootstrap import build
from encore.cli import app
from encore.cli._serve import plan_workers
from encore.config import Settings
from encore.web import create_app

runner = CliRunner()


@pytest.mark.parametrize(
    ("requested", "shared", "cores", "expected"),
    [
        (None, False, 8, (1, "one_process")),
        (None, True, 2, (2, "one_per_core")),
        (None, True, 0, (1, "one_per_core")),
        (1, False, 8, (1, "requested")),
        (3, True, 2, (3, "requested")),
        (2, False, 2, (0, "needs_redis")),
    ],
)
def test_worker_plan(requested: int | None, shared: bool, cores: int, expected: tuple[int, str]) -> None:
    plan = plan_workers(requested=requested, shared_state=shared, cores=cores)
    assert (plan.count, plan.reason) == expected


def test_several_workers_without_redis_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENCORE_MODE", "dev")
    monkeypatch.setenv("ENCORE_DATA_DIR", str(tmp_path / "var"))
    result = runner.invoke(app, ["serve", "--workers", "2"])
    assert result.exit_code == 2 and "ENCORE_REDIS_URL" in result.output
    monkeypatch.setenv("ENCORE_WORKERS", "3")
    assert runner.invoke(app, ["serve"]).exit_code == 2  # the setting is refused the same way


def test_readiness_names_what_is_down(tmp_path: Path) -> None:
    dead = f"unix://{tmp_path}/no-redis-here.sock"
    c = build(Settings(mode="dev", data_dir=tmp_path / "var", redis_url=dead))
    c.migrate()
    try:
        with TestClient(create_app(c)) as http:
            assert http.get("/healthz").status_code == 200  # alive: the process answers
            r = http.get("/readyz")
            assert r.status_code == 503 and r.json()["checks"] == {"database": "ok", "state": "down"}
    finally:
        c.close()


def test_serve_refuses_a_misspelt_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENCORE_MODE", "dev")
    monkeypatch.setenv("ENCORE_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("ENCORE_REDIS_ULR", "redis://127.0.0.1:6379/0")
    result = runner.invoke(app, ["serve"])
    assert result.exit_code == 2
    said = " ".join(result.output.split())  # rich wraps lines
    assert "ENCORE_REDIS_ULR" in said and "did you mean ENCORE_REDIS_URL" in said
    assert not (tmp_path / "var").exists()  # refused before anything was made
