"""The app's own OpenAPI document, as the schemathesis modules read it to name their tests.

Both (tests/web/test_schemathesis_api.py and tests/web/spotify/test_schemathesis.py) read it at import, so every
xdist worker built it twice while collecting, before its first test: ~1.3 s of CPU each (pydantic's JSON schema of
every model). It is built once per run now, by the first process to ask, and the others read that JSON (the run's
shared directory, support/live.py); each caller gets its own copy to change.
"""

import functools
import json
import tempfile
from pathlib import Path
from typing import Any

from tests.support.live import shared_dir


def app_openapi() -> dict[str, Any]:
    """`create_api(...).openapi()` of a dev-mode app: a fresh copy."""
    spec: dict[str, Any] = json.loads(_spec_text())
    return spec


@functools.cache
def _spec_text() -> str:
    with shared_dir("openapi") as (out, complete):
        if not complete:
            (out / "openapi.json").write_text(json.dumps(_build()), encoding="utf-8")
        return (out / "openapi.json").read_text(encoding="utf-8")


def _build() -> dict[str, Any]:
    from encore.bootstrap import build
    from encore.config import Settings
    from encore.web import create_api

    with tempfile.TemporaryDirectory(prefix="encore-spec-") as where:
        work = Path(where)
        c = build(Settings(mode="dev", data_dir=work, database_url=f"sqlite:///{work}/spec.db"))
        try:
            spec: dict[str, Any] = create_api(c).openapi()
            return spec
        finally:
            c.close()
