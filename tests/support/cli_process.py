"""`encore ARGS...` in a process of its own, as an operator runs it beside a live server, without paying for a
fresh interpreter each time.

A `python -m encore.cli` subprocess spends about 1.5 s (several under load) importing Encore before it does
anything: the live-server command-line tests ran some thirty of them. Here each command runs in a child forked
from a fork server that imported the command line once (multiprocessing's "forkserver": a process started clean,
with no thread of the test's, so a fork of it is safe). The child is still another process: it shares nothing
with the server or the test but the database and the files, its environment is the one given, its output is
what it wrote on its own stdout and stderr (file descriptors 1 and 2), and its exit status is the command's.
What `python -m encore.cli` itself does (one line: `app()`) is exercised by the tests that start the real
entry point (tests/cli/test_cli.py, tests/demo/test_make_run.py)."""

import multiprocessing
import os
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from tests.support.forkserver import use_suite_preload

# The command line is imported once, as the fork server starts: the suite's one preload names it
# (support/forkserver.py); named again here, before this module's first fork, for a process without tests/conftest.py.
_CONTEXT = multiprocessing.get_context("forkserver")
use_suite_preload()


@dataclass(frozen=True)
class Ran:
    code: int
    output: str  # stdout then stderr, as written (both descriptors go to one file, in order)


def run_cli(args: Sequence[str], env: Mapping[str, str], *, timeout_s: float = 120) -> Ran:
    """Run `encore ARGS...` in its own process with exactly the environment `env`."""
    with tempfile.TemporaryDirectory(prefix="encore-cli-") as work:
        out = Path(work) / "output"
        child = _CONTEXT.Process(target=_command, args=(list(args), dict(env), str(out)), daemon=True)
        child.start()
        child.join(timeout_s)
        if child.is_alive():
            child.kill()
            child.join()
            raise TimeoutError(f"encore {' '.join(args)} still running after {timeout_s} s")
        code = child.exitcode
        assert code is not None
        return Ran(code, out.read_text(encoding="utf-8", errors="replace") if out.exists() else "")


def _command(args: list[str], env: dict[str, str], out: str) -> None:  # pragma: no cover - runs in the child
    os.environ.clear()
    os.environ.update(env)
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    sys.stdout.flush()
    sys.stderr.flush()
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    from encore.cli._main import app

    code = 0
    try:
        app(args=args, prog_name="encore")
    except SystemExit as done:
        code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
        if isinstance(done.code, str):
            print(done.code, file=sys.stderr)
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
    os._exit(code)


# A CI runner's FORCE_COLOR (or TTY_COMPATIBLE=1) makes rich treat the output file as a terminal, and with TERM=dumb
# rich then takes a fixed 80 columns whatever COLUMNS says: the command's lines wrapped in CI and nowhere else.
_TERMINAL_FORCING = frozenset({"FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE"})


def encore_env(**encore: str) -> dict[str, str]:
    """This process's environment without its ENCORE_ settings, and with `encore` (data_dir="..." ->
    ENCORE_DATA_DIR): a command's own install. Rich's lines unwrapped, so a message can be read whole."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ENCORE_") and k not in _TERMINAL_FORCING}
    env.update({f"ENCORE_{name.upper()}": value for name, value in encore.items()})
    env["COLUMNS"] = "250"
    return env


def one_line_error(ran: Ran) -> str:
    """What a refused command printed, whitespace folded (the console may wrap); it must hold no traceback."""
    assert "Traceback" not in ran.output, ran.output
    return " ".join(ran.output.split())
