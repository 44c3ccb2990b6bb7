"""The suite's xdist scheduler (tests/support/schedule.py) reads the `xdist_group` marks pytest collected."""

import sys
import tomllib
from pathlib import Path

import pytest

from tests.support.schedule import (
    PLAIN_TEST_S,
    committed_seconds,
    group_of,
    read_groups,
    unit_of,
    unit_seconds,
    write_groups,
)

ROOT = Path(__file__).resolve().parents[1]

GROUPED_FORMS = {
    "test_one_line.py": 'pytestmark = pytest.mark.xdist_group("g")\n',
    "test_two_lines.py": 'pytestmark = [\n    pytest.mark.slow,\n    pytest.mark.xdist_group("g"),\n]\n',
    "test_keyword.py": 'pytestmark = [pytest.mark.xdist_group(name="g")]\n',
}


def test_group_of_reads_every_form_of_the_mark(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nmarkers =\n    slow: x\n    xdist_group(name): x\n")
    for name, mark in GROUPED_FORMS.items():
        pytester.makepyfile(**{name[:-3]: f"import pytest\n{mark}\ndef test_a():\n    pass\n"})
    pytester.makepyfile(
        test_inner="""
        import pytest

        @pytest.mark.xdist_group("cls")
        class TestC:
            def test_a(self):
                pass

        @pytest.mark.xdist_group("own")
        def test_marked():
            pass

        def test_plain():
            pass
        """
    )
    items = pytester.getitems(pytester.path)
    groups = {item.nodeid: group_of(item) for item in items}
    assert groups == {
        "test_inner.py::TestC::test_a": "cls",
        "test_inner.py::test_marked": "own",
        "test_inner.py::test_plain": None,
        "test_keyword.py::test_a": "g",
        "test_one_line.py::test_a": "g",
        "test_two_lines.py::test_a": "g",
    }
    write_groups(items, pytester.path / "gw0.json")
    read = read_groups(pytester.path)
    assert read == {n: g for n, g in groups.items() if g is not None}
    assert unit_of("test_two_lines.py::test_a", read) == "@g"
    assert unit_of("test_inner.py::test_plain", read) == "test_inner.py"


def test_loadgroup_keeps_a_group_on_one_worker(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    """Under `-n 2 --dist loadgroup`, four modules of one group (in the three mark forms) run on one worker; the
    deal gives each worker a unit first, so four units (marks unread) would split them."""
    pytester.makeini("[pytest]\nmarkers =\n    slow: x\n    xdist_group(name): x\n")
    record = (
        "import os, pathlib\n\n"
        "def test_a():\n"
        "    pathlib.Path(__file__).with_suffix('.worker').write_text(os.environ['PYTEST_XDIST_WORKER'])\n"
    )
    forms = [*GROUPED_FORMS.values(), 'pytestmark = pytest.mark.xdist_group("g")\n']
    for i, mark in enumerate(forms):
        pytester.makepyfile(**{f"test_grouped_{i}": f"import pytest\n{mark}\n{record}"})
    pytester.makepyfile(test_free_0=record, test_free_1=record)
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")  # a bare pytest: xdist and the scheduler only
    plugins = ["-p", "xdist.plugin", "-p", "tests.support.schedule", "-p", "no:cacheprovider"]
    result = pytester.run(sys.executable, "-m", "pytest", *plugins, "-n", "2", "--dist", "loadgroup", timeout=300)
    result.assert_outcomes(passed=len(forms) + 2)
    workers = {p.stem: p.read_text() for p in pytester.path.glob("*.worker")}
    assert len(workers) == len(forms) + 2
    assert len({workers[f"test_grouped_{i}"] for i in range(len(forms))}) == 1, workers
    assert set(workers.values()) == {"gw0", "gw1"}, workers  # the ungrouped modules still use both workers


def test_a_clean_clone_deals_by_the_committed_table(tmp_path: Path) -> None:
    """Without pytest's cache (CI's clean clone) a two-test module that took minutes must not be dealt last."""
    table = tmp_path / "unit_seconds.json"
    table.write_text('{"tests/demo/test_slow.py": 200.0, "tests/test_quick.py": 1.5}', encoding="utf-8")
    measured = committed_seconds(table)
    slow = unit_seconds(
        "tests/demo/test_slow.py", ["tests/demo/test_slow.py::a", "tests/demo/test_slow.py::b"], measured
    )
    many = unit_seconds("tests/test_many.py", [f"tests/test_many.py::t{i}" for i in range(40)], measured)
    assert slow == 200.0 > many == 40 * PLAIN_TEST_S
    table.write_text("{not json", encoding="utf-8")
    assert committed_seconds(table) == {}
    assert committed_seconds(tmp_path / "missing.json") == {}


def test_the_committed_table_names_modules_of_this_suite() -> None:
    table = committed_seconds()
    assert table and all((ROOT / module).is_file() and seconds >= 0 for module, seconds in table.items())


HANGS = """
import os, pathlib, threading
import pytest

LOG = pathlib.Path(__file__).with_suffix(".log")

def note(line):
    with LOG.open("a") as f:
        f.write(line + "\\n")

@pytest.fixture(scope="module")
def server():
    note("setup " + os.environ["PYTEST_XDIST_WORKER"])
    yield
    note("teardown " + os.environ["PYTEST_XDIST_WORKER"])

def test_before(server):
    pass

def test_hangs(server):
    threading.Event().wait()  # no CPU and no end, as session 29's Playwright hang

def test_after(server):
    note("after " + os.environ["PYTEST_XDIST_WORKER"])
"""

DIES = """
import os, pathlib

def test_before():
    pass

def test_dies():
    with pathlib.Path(__file__).with_suffix(".log").open("a") as f:
        f.write(os.environ["PYTEST_XDIST_WORKER"] + "\\n")
    os._exit(3)  # as a worker the OOM killer or an operator ends

def test_after():
    pass
"""


def test_a_hung_test_fails_with_its_name_and_the_run_goes_on(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The suite's own pytest settings (pyproject.toml: pytest-timeout's method) under `-n 2 --dist loadgroup` and
    this scheduler, with the limit cut to 5 s: a hung test fails by name, its module's fixture is torn down and
    the module's next test runs on the same worker. A test that kills its worker is reported once, and the rest
    of its module runs on the replacement: xdist's scheduler used to run the dead worker's test again on every
    replacement."""
    pytester.makepyfile(test_hangs=HANGS, test_dies=DIES, test_quick_0="def test_q():\n    pass\n")
    pytester.makepyfile(test_quick_1="def test_q():\n    pass\n")
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    plugins = ["-p", "pytest_timeout", "-p", "xdist.plugin", "-p", "tests.support.schedule", "-p", "no:cacheprovider"]
    settings = ["-c", str(ROOT / "pyproject.toml"), "--rootdir", str(pytester.path), "-o", "timeout=5"]
    args = [*plugins, *settings, "-n", "2", "--dist", "loadgroup", "--max-worker-restart", "3", str(pytester.path)]
    result = pytester.run(sys.executable, "-m", "pytest", *args, timeout=240)
    result.assert_outcomes(passed=6, failed=2)
    result.stdout.fnmatch_lines(["FAILED test_hangs.py::test_hangs - Failed: Timeout (>5.0s) from pytest-timeout."])
    result.stdout.fnmatch_lines(["FAILED test_dies.py::test_dies - worker 'gw*' crashed while running*"])
    hung = (pytester.path / "test_hangs.log").read_text().split()
    worker = hung[1]
    assert hung == ["setup", worker, "after", worker, "teardown", worker]
    assert len((pytester.path / "test_dies.log").read_text().split()) == 1  # it ran once
    options = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["pytest"]["ini_options"]
    assert options["timeout_method"] == "signal" and options["timeout"] >= 180  # the slowest test seen under load
