"""Debian's nginx running a config Encore generated, in the foreground, on loopback, for one test module."""

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def nginx_user() -> str | None:
    """As root, nginx's workers must run as a user that can read the test's temp files."""
    return "root" if os.geteuid() == 0 else None


@contextmanager
def run_nginx(config: str, root: Path, *, probe: str = "/edge/") -> Iterator[None]:
    """Write `config` under `root` (nginx's prefix: logs, pid, temp files), start nginx and wait until `probe`
    answers; stop it afterwards."""
    conf = root / "nginx.conf"
    conf.write_text(config)
    listen = next(line.split()[1].rstrip(";") for line in config.splitlines() if line.strip().startswith("listen "))
    command = [NGINX, "-p", str(root), "-c", str(conf), "-e", str(root / "startup.log"), "-g", "daemon off;"]
    proc = subprocess.Popen(command, stderr=subprocess.PIPE)
    try:
        for _ in range(200):
            if proc.poll() is not None:
                assert proc.stderr is not None
                pytest.fail(f"nginx exited at start: {proc.stderr.read().decode(errors='replace')}")
            try:
                httpx.get(f"http://{listen}{probe}")
                break
            except httpx.TransportError:
                time.sleep(0.05)
        yield
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        assert proc.stderr is not None
        proc.stderr.close()
