"""The serving process starts without the libraries only some requests or jobs use (#16, RSS at start)."""

import os
import subprocess
import sys
from pathlib import Path

from tests.support.cluster import cluster_env
from tests.support.redis import RedisServer

# Each is imported where it is used: the billing provider at checkout, scipy and numpy by the recommender's
# training and ingest, PyAV by ingest and transcodes, soundfile by ingest, Pillow by artwork and Wrapped
# cards, segno by the QR code. (huey's consumer stays: huey's own api module imports it.)
NOT_AT_START = ("stripe", "scipy", "numpy", "av", "soundfile", "PIL", "segno")


def test_importing_the_app_and_the_command_line_leaves_heavy_libraries_out() -> None:
    code = (
        "import sys, encore.web._app, encore.cli, encore.bootstrap\n"
        f"print(','.join(m for m in {NOT_AT_START!r} if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert out.stdout.strip() == ""


def test_the_stripe_default_address_is_stripe_s_own() -> None:
    import stripe

    from encore.billing import StripeConfig

    assert StripeConfig(secret_key="k", webhook_secret="w", price_id="p").api_base == stripe.DEFAULT_API_BASE


def test_the_process_that_supervises_several_workers_does_not_import_the_app(
    redis_server: RedisServer, tmp_path: Path
) -> None:
    """`encore serve --workers 2` runs `encore.web:serve_app` in uvicorn's spawned workers, each importing the app
    itself; its supervising process built none and imported it anyway (~1.8 s of CPU at each node's start). Run
    here up to uvicorn, which only records what it was given: the command's own path, migrate and the jobs."""
    code = (
        "import sys, uvicorn\n"
        "seen = {}\n"
        "uvicorn.run = lambda app, **kw: seen.update(app=app, workers=kw.get('workers'))\n"
        "from typer.testing import CliRunner\n"
        "from encore.cli import app\n"
        "r = CliRunner().invoke(app, ['serve', '--workers', '2', '--port', '30999'])\n"
        "print(r.exit_code, seen, 'encore.web._app' in sys.modules)\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("ENCORE_")}
    env.update(cluster_env(database_url="", redis_url=redis_server.url, data_dir=tmp_path / "var"))
    del env["ENCORE_DATABASE_URL"]  # the data directory's SQLite
    env["ENCORE_REDIS_PREFIX"] = redis_server.new_prefix()
    out = subprocess.run(
        [sys.executable, "-c", code], check=False, capture_output=True, text=True, timeout=120, env=env
    )
    assert out.stdout.strip() == "0 {'app': 'encore.web:serve_app', 'workers': 2} False", out.stdout + out.stderr
