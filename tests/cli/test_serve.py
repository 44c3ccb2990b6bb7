"""`encore serve --workers N`: how many workers, the refusal that keeps ad clocks from splitting, and the
collector's settings reaching the serving processes."""

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from encore.bootstrap import build
from encore.cli import app
from encore.cli._serve import plan_workers, run_server
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


# In a fresh interpreter (the test process keeps its own collector): `encore serve` up to the point where it
# would hand the app to uvicorn, and the worker factory of `encore serve --workers N`.
SERVE_UNTIL_UVICORN = r"""
import gc, json
import encore.cli._serve as serving
from typer.testing import CliRunner
from encore.cli import app

seen = {}
serving.run_server = lambda **_: seen.update(young=gc.get_threshold()[0], frozen=gc.get_freeze_count())
result = CliRunner().invoke(app, ["serve"])
print(json.dumps({**seen, "exit": result.exit_code}))
"""
WORKER_FACTORY = r"""
import gc, json
from encore.web._app import serve_app
serve_app()
print(json.dumps({"young": gc.get_threshold()[0], "frozen": gc.get_freeze_count(), "exit": 0}))
"""


@pytest.mark.parametrize("script", [SERVE_UNTIL_UVICORN, WORKER_FACTORY], ids=["serve", "worker"])
def test_the_young_threshold_setting_reaches_the_collector(tmp_path: Path, script: str) -> None:
    env = {
        **os.environ,
        "ENCORE_MODE": "dev",
        "ENCORE_DATA_DIR": str(tmp_path / "var"),
        "ENCORE_JOBS_IN_PROCESS": "0",
        "ENCORE_GC_YOUNG_THRESHOLD": "1234",
    }
    out = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True, timeout=300
    )
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["exit"] == 0
    assert got["young"] == 1234  # Python's own is 700, the built-in default another
    assert got["frozen"] > 10_000  # and start-up's objects were frozen before serving


SERVE_RECORDING_RUN = r"""
import json
import encore.cli._serve as serving
from typer.testing import CliRunner
from encore.cli import app

seen = {}
serving.run_server = lambda **given: seen.update(healthcheck=given.get("healthcheck_s"))
result = CliRunner().invoke(app, ["serve"])
print(json.dumps({**seen, "exit": result.exit_code}))
"""


def test_the_worker_healthcheck_setting_reaches_the_server(tmp_path: Path) -> None:
    """ENCORE_WORKER_HEALTHCHECK_S is the operator's: a loaded machine's workers still starting after 30 s were
    replaced over and over, and the cluster tests never started (session 26)."""
    env = {
        **os.environ,
        "ENCORE_MODE": "dev",
        "ENCORE_DATA_DIR": str(tmp_path / "var"),
        "ENCORE_JOBS_IN_PROCESS": "0",
        "ENCORE_WORKER_HEALTHCHECK_S": "457",
    }
    out = subprocess.run(
        [sys.executable, "-c", SERVE_RECORDING_RUN], env=env, capture_output=True, text=True, check=True, timeout=300
    )
    assert json.loads(out.stdout.strip().splitlines()[-1]) == {"healthcheck": 457, "exit": 0}


def test_several_workers_are_pinged_for_the_configured_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """uvicorn's supervisor is told the setting (it replaces a worker that misses a ping for that long)."""
    import uvicorn

    given: dict[str, object] = {}
    monkeypatch.setattr(uvicorn, "run", lambda target, **options: given.update(options, target=target))
    run_server(host="127.0.0.1", port=8000, workers=3, app=None, healthcheck_s=457)
    assert given["target"] == "encore.web:serve_app" and given["workers"] == 3
    assert given["timeout_worker_healthcheck"] == 457


@pytest.mark.parametrize("value", ["0", "3601", "soon"])
def test_serve_refuses_a_bad_worker_healthcheck(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("ENCORE_MODE", "dev")
    monkeypatch.setenv("ENCORE_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("ENCORE_WORKER_HEALTHCHECK_S", value)
    result = runner.invoke(app, ["serve"])
    assert result.exit_code == 2 and "worker_healthcheck_s" in " ".join(result.output.split())
    assert not (tmp_path / "var").exists()


def test_serve_refuses_a_bad_young_threshold(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENCORE_MODE", "dev")
    monkeypatch.setenv("ENCORE_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("ENCORE_GC_YOUNG_THRESHOLD", "0")  # would turn the collector off
    result = runner.invoke(app, ["serve"])
    said = " ".join(result.output.split())
    assert result.exit_code == 2 and "gc_young_threshold" in said and "greater than or equal to 100" in said
    assert not (tmp_path / "var").exists()


def test_serve_with_card_payments_but_no_public_address_refuses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """probe22 F4: Stripe would send a payer back to http://127.0.0.1:8000 after checkout. Refused before the
    database is touched; named, it gets past this check (and stops at the next one here, the workers)."""
    monkeypatch.setenv("ENCORE_MODE", "dev")
    monkeypatch.setenv("ENCORE_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("ENCORE_STRIPE_SECRET_KEY", "sk_test_offline")
    result = runner.invoke(app, ["serve", "--workers", "2"])
    said = " ".join(result.output.split())  # rich wraps at the terminal's width
    assert result.exit_code == 2 and "cannot start: card payments" in said and "need ENCORE_PUBLIC_BASE_URL" in said
    db = tmp_path / "var" / "encore.db"
    assert not db.exists() or db.stat().st_size == 0  # at most the empty private file made with the data dir (0600)
    monkeypatch.setenv("ENCORE_PUBLIC_BASE_URL", "https://music.example.org")
    result = runner.invoke(app, ["serve", "--workers", "2"])
    assert result.exit_code == 2 and "ENCORE_REDIS_URL" in result.output and "PUBLIC_BASE" not in result.output


@pytest.mark.parametrize("port", ["83686", "65536", "99999", "0", "-1"])
def test_serve_refuses_a_port_out_of_range_before_anything_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, port: str
) -> None:
    """probe24a F4: `--port 83686` listened on 18150 (83686 mod 65536) while saying 83686, and 99999 with two
    workers ended in OverflowError's traceback. The card-payments refusal set here would stop serve before it
    listens (exit 2 too): the port's refusal comes first, from the option itself, and names the range."""
    monkeypatch.setenv("ENCORE_MODE", "dev")
    monkeypatch.setenv("ENCORE_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("ENCORE_STRIPE_SECRET_KEY", "sk_test_offline")
    result = runner.invoke(app, ["serve", "--port", port])
    said = " ".join(result.output.split())
    assert result.exit_code == 2 and "Invalid value for '--port'" in said, said
    assert ("less than or equal to 65535" if int(port) > 0 else "greater than or equal to 1") in said
    assert "card payments" not in said and not (tmp_path / "var").exists()


def test_serve_warns_of_private_data_others_can_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Session 25's note: Encore makes its database 0600 since probe25b M3, but an install made before keeps its
    world-readable `encore.db` (and jobs/) and nothing said so. `serve` says it once at start, one line with the
    chmod to run; run, the next start is quiet. (It stops at the workers check here, after the warning.)"""
    var = tmp_path / "var"
    monkeypatch.setenv("ENCORE_MODE", "dev")
    monkeypatch.setenv("ENCORE_DATA_DIR", str(var))
    build(Settings(mode="dev", data_dir=var)).close()  # an install, its parts made private
    quiet = runner.invoke(app, ["serve", "--workers", "2"])
    assert quiet.exit_code == 2 and "Warning" not in quiet.output, quiet.output
    (var / "encore.db").chmod(0o644)  # as the umask 022 made them before (or a backup copied back in)
    for name in ("encore.db-wal", "encore.db-shm"):  # as docs/deploy.md's restore says
        (var / name).unlink(missing_ok=True)
    (var / "jobs").chmod(0o755)
    result = runner.invoke(app, ["serve", "--workers", "2"])
    assert result.exit_code == 2, result.output
    warned = [line for line in result.output.splitlines() if line.startswith("Warning:")]
    assert len(warned) == 1, result.output
    assert warned[0].startswith("Warning: other users of this machine can read Encore's private data"), warned
    fix = warned[0].partition("Close it: ")[2]
    # review32c L6: the database's -wal and -shm too, which SQLite makes (as open as the database) once it opens
    # it, after this line: a restored 0644 copy, its -wal removed as the restore says, left a world-readable -wal
    assert fix == f"chmod 0700 {var / 'jobs'} && chmod 0600 {var / 'encore.db'}*", fix
    running = sqlite3.connect(var / "encore.db")  # the server running, as the operator reads the line
    running.execute("CREATE TABLE t (x)")  # a write: its -wal and -shm, made with the database's mode
    assert oct((var / "encore.db-wal").stat().st_mode & 0o777) == "0o644"
    subprocess.run(["sh", "-c", fix], check=True)
    for name in ("encore.db", "encore.db-wal", "encore.db-shm"):
        assert oct((var / name).stat().st_mode & 0o777) == "0o600", name
    running.execute("DROP TABLE t")
    running.close()
    again = runner.invoke(app, ["serve", "--workers", "2"])
    assert again.exit_code == 2 and "Warning" not in again.output, again.output
