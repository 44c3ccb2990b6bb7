"""A pool worker that ends with the process that asked for it.

A `ProcessPoolExecutor`'s worker holds both ends of its task queue, so it never reads an end-of-file when the
parent dies: a parent killed outright (`kill -9`, the OOM killer) left its workers waiting forever, and with a
forkserver the server too, since each worker holds the forkserver's "alive" pipe (review27a L2: ~160 MB each
after a killed `encore ingest`). A child started by `spawn` or a forkserver holds its parent's sentinel, which
becomes ready once the parent is gone, however it ended; PR_SET_PDEATHSIG would name the forkserver, not the
parent, as a forkserver's children's parent.
"""

import multiprocessing
import multiprocessing.connection
import os
import threading


def end_with_parent() -> None:
    """A pool's initializer: the worker exits (status 1, at once, whatever it was doing) when its parent process
    ends. What it leaves half-done is the next run's: a transaction is rolled back, a temp file is swept."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return
    sentinel = parent.sentinel

    def watch() -> None:
        multiprocessing.connection.wait([sentinel])
        os._exit(1)

    threading.Thread(target=watch, name="end-with-parent", daemon=True).start()
