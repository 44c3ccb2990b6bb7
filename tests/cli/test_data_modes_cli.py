"""Who may read what Encore keeps on disk (probe25b M3): the real entry point, under an operator's usual umask."""

import stat
import subprocess
import sys
from pathlib import Path

from tests.support.cli_process import encore_env


def test_the_data_directory_is_made_private_whatever_the_umask(tmp_path: Path) -> None:
    """probe25b M3: under Debian's umask 022 `encore migrate` made the data directory 755 and encore.db 644: any
    local user read the password hashes, sessions, audit log and everyone's listening. The real entry point, as an
    operator's shell runs it; `media/` keeps the umask's mode and the directory lets others through to it, for
    nginx's workers (review25o M3: a 0750 directory made every Premium edge file 403)."""
    var = tmp_path / "var"
    env = encore_env(mode="dev", data_dir=str(var))
    script = f"umask 022; exec {sys.executable} -m encore.cli migrate"
    done = subprocess.run(["sh", "-c", script], capture_output=True, text=True, check=False, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    modes = {p.relative_to(tmp_path).as_posix(): stat.S_IMODE(p.stat().st_mode) for p in [var, *var.iterdir()]}
    assert modes.pop("var") == 0o751  # others pass through to media/ (nginx), list nothing
    assert modes.pop("var/media") == 0o755
    for name, mode in modes.items():
        assert mode == (0o700 if (tmp_path / name).is_dir() else 0o600), (name, oct(mode))
    assert {"var/encore.db", "var/jobs.sqlite3", "var/jobs", "var/outbox", "var/cache"} <= set(modes), modes
