"""A serving process's memory at start: import what `encore serve` imports, build the app on an empty
SQLite database, answer one catalogue request, then read /proc/self/status (issue #16).

    PYTHONPATH=<tree>/src .venv/bin/python -m bench.memory.start [--rounds 3]

Each round is a fresh interpreter (a child process), so rounds and trees do not share imports. Prints
VmRSS and RssAnon after the imports and after the request, and which heavy libraries the process mapped
(they should load only where used: ingest, artwork, transcodes, QR codes, jobs, training).
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

HEAVY = ("av", "numpy", "soundfile", "PIL", "segno", "huey.consumer", "scipy", "stripe", "mutagen")

CHILD = r"""
import json, os, sys
from pathlib import Path

def status():
    fields = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(("VmRSS", "RssAnon")):
            fields[line.split(":")[0]] = int(line.split()[1]) // 1024
    return fields

import encore.bootstrap, encore.cli, encore.web._app
imported = status()
from fastapi.testclient import TestClient
from encore.bootstrap import build
from encore.web import create_app

c = build()
c.migrate()
with TestClient(create_app(c)) as client:
    assert client.get("/api/browse/labels").status_code in (200, 401)
served = status()
print(json.dumps({"imported": imported, "served": served, "heavy": [m for m in HEAVY if m in sys.modules]}))
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    for _ in range(args.rounds):
        with tempfile.TemporaryDirectory(prefix="encore-start-") as tmp:
            env = {
                **os.environ,
                "ENCORE_MODE": "dev",
                "ENCORE_DATA_DIR": tmp,
                "ENCORE_DATABASE_URL": f"sqlite:///{tmp}/encore.db",
                "ENCORE_SECRET_KEY": "bench-start-" + "s" * 40,
            }
            code = f"HEAVY = {HEAVY!r}\n" + CHILD
            out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
            found = json.loads(out.stdout.strip().splitlines()[-1])
            print(
                f"after imports: VmRSS {found['imported']['VmRSS']} MB (anon {found['imported']['RssAnon']} MB); "
                f"after one request: VmRSS {found['served']['VmRSS']} MB (anon {found['served']['RssAnon']} MB); "
                f"heavy libraries mapped: {', '.join(found['heavy']) or 'none'}"
            )


if __name__ == "__main__":
    main()
