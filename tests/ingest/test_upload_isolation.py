"""An upload is analysed in a child process (issue #16): the serving process never maps PyAV's decoders."""

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.ingest import corpus as c

CHILD = r"""
import json, sys
from encore.bootstrap import build
from encore.ingest import ingest_upload

container = build()
container.migrate()
with open(sys.argv[1], "rb") as data:
    summary = ingest_upload(
        data=data, original_name="x.flac", sessions=container.sessions, store=container.store,
        label_override=None, max_bytes=10**8,
    )
print(json.dumps({"imported": summary.imported, "failed": summary.failed, "av": "av" in sys.modules}))
"""


def test_an_upload_is_decoded_outside_the_serving_process(tmp_path: Path) -> None:
    flac = c.write_flac(tmp_path / "in.flac", c.tone(1.5, 440), title="Isolated", artist="Up")
    env = {
        **os.environ,
        "ENCORE_MODE": "dev",
        "ENCORE_DATA_DIR": str(tmp_path / "var"),
        "ENCORE_DATABASE_URL": f"sqlite:///{tmp_path / 'var' / 'encore.db'}",
        "ENCORE_SECRET_KEY": "test-isolation-" + "s" * 40,
    }
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(flac)], env=env, capture_output=True, text=True, check=True, timeout=300
    )
    found = json.loads(out.stdout.strip().splitlines()[-1])
    assert found == {"imported": 1, "failed": [], "av": False}
