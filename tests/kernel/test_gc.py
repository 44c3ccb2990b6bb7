"""The collector's start-up freeze (issue #17), checked in a fresh interpreter so the test process keeps its own."""

import json
import subprocess
import sys

SETTLE = r"""
import gc, json, weakref
from encore.kernel import settle_heap

class Node:
    pass

startup = [Node() for _ in range(1000)]  # what start-up built and keeps
default = gc.get_threshold()
settle_heap(gen0=5000)
frozen_hidden = not any(o is startup for o in gc.get_objects())

a, b = Node(), Node()  # a cycle made while serving
a.other, b.other = b, a
gone = weakref.ref(a)
del a, b
gc.collect()
print(json.dumps({"default": default, "now": gc.get_threshold(), "frozen": gc.get_freeze_count(),
                  "hidden": frozen_hidden, "cycle_collected": gone() is None, "alive": len(startup)}))
"""


def test_settle_heap_hides_startup_objects_and_still_collects_later_cycles() -> None:
    out = subprocess.run([sys.executable, "-c", SETTLE], capture_output=True, text=True, check=True).stdout
    got = json.loads(out)
    assert got["now"] == [5000, got["default"][1], got["default"][2]]
    assert got["frozen"] >= 1000  # start-up's objects are out of the collector's scans ...
    assert got["hidden"]
    assert got["alive"] == 1000  # ... and still there
    assert got["cycle_collected"]  # a cycle made after start-up is still reclaimed
