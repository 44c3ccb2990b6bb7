"""The demo build lock under `make run` (no demo is built: a tiny data directory and a progress file).

A builder holding the lock (a foreground `encore demo`, or an orphan of an earlier server) must not keep
`encore serve --build-demo` from serving; an unfinished build that nobody holds is reported as stopped; the
lock a server hands its child stays held across the handover; and the child dies with the server.
"""

import contextlib
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from encore.accounts import create_user
from encore.bootstrap import build
from encore.config import Settings
from encore.db import transaction
from encore.demo import BuildProgress, builder_running, library_dir, try_build_lock, write_progress
from tests.demo.test_make_run import _env, _login, _server, _wait_for

pytestmark = pytest.mark.xdist_group("demo-make-run")


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("demo-lock") / "var"
    container = build(Settings(mode="demo", data_dir=data, database_url=f"sqlite:///{data / 'encore.db'}"))
    try:
        container.migrate()
        with transaction(container.sessions) as s:
            create_user(s, username="listener", password="listener-pass-1", display_name="Listener")
    finally:
        container.close()
    write_progress(library_dir(data), BuildProgress(3, 20, 22, 150, "catalogue", finished=False))
    return data


def test_a_held_build_lock_does_not_keep_the_server_from_serving_and_a_dead_builder_reads_stopped(
    data: Path,
) -> None:
    lock = try_build_lock(library_dir(data))  # another builder, as the server sees it
    assert lock is not None
    with lock, _server(data) as http:  # it answers although the lock is held: it did not wait for it
        auth = _login(http, "listener", "listener-pass-1")
        progress = http.get("/api/demo/build", headers=auth).json()
        assert progress["building"] is True and progress["stopped"] is False and progress["albums_done"] == 3
        assert not (data / "demo-build.log").exists()  # no second builder was started beside the running one
        assert "serving now" in (data / "serve.log").read_text()

        lock.close()  # the builder died half way: the kernel let go of its lock, the progress file stays
        progress = http.get("/api/demo/build", headers=auth).json()
        assert progress["building"] is False and progress["stopped"] is True
        assert (progress["albums_done"], progress["albums_total"]) == (3, 20)


def test_no_lock_file_means_no_builder_and_the_check_creates_none(tmp_path: Path) -> None:
    library = library_dir(tmp_path)
    assert builder_running(library) is False  # no lock file at all: nothing running, nothing created
    assert not library.exists()


_CHILD = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from encore.demo import adopt_build_lock
    library = Path(sys.argv[2])
    print("stdin taken" if adopt_build_lock(0, library) is not None else "stdin refused", flush=True)
    lock = adopt_build_lock(int(sys.argv[1]), library)
    print("held" if lock is not None else "not held", flush=True)
    sys.stdin.read()
    """
)


def test_the_lock_handed_to_the_child_stays_held_until_the_child_ends(tmp_path: Path) -> None:
    library = library_dir(tmp_path)
    lock = try_build_lock(library)
    assert lock is not None
    fd = lock.fileno()
    with subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(fd), str(library)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        pass_fds=(fd,),
        env=_env(tmp_path),
    ) as child:
        try:
            assert child.stdout is not None
            assert child.stdout.readline().strip() == "stdin refused"  # a descriptor that is not the lock file
            assert child.stdout.readline().strip() == "held"
            lock.close()  # the server's own copy
            assert builder_running(library) is True  # the child holds it: never free in between
            assert try_build_lock(library) is None
        finally:
            child.kill()
    assert builder_running(library) is False


_SERVER = textwrap.dedent(
    """
    import os, subprocess
    from encore.cli._demo_child import _dies_with
    child = subprocess.Popen(["sleep", "600"], start_new_session=True, preexec_fn=_dies_with(os.getpid()))
    print(child.pid, flush=True)
    child.wait()
    """
)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_the_builder_child_dies_with_a_killed_server(tmp_path: Path) -> None:
    with subprocess.Popen(
        [sys.executable, "-c", _SERVER], stdout=subprocess.PIPE, text=True, env=_env(tmp_path)
    ) as server:
        assert server.stdout is not None
        child = int(server.stdout.readline())
        server.send_signal(signal.SIGKILL)  # no `finally`: the server cannot stop its child itself

    def gone() -> bool:
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            return True
        # a zombie until init reaps it: dead all the same
        return Path(f"/proc/{child}/stat").read_text().split(")")[-1].split()[0] == "Z"

    try:
        _wait_for(gone, "the orphaned builder child to end")
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(child, signal.SIGKILL)
