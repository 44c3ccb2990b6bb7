"""glibc's allocator, tuned for a long-lived threaded server and asked to hand back what it holds free.

A serving process answers on AnyIO's 40 threads; glibc gives each thread that meets a locked arena an arena of
its own (up to 8 per core), and memory freed in one arena is never reused by another, so periodic large work
(an upload's decode, an import's parse, an export's zip, a Wrapped card) leaves its high-water mark in several
arenas at once (issue #16; docs/benchmarks.md "Soak: where the memory is"). Two arenas bound that, and
`malloc_trim` returns the free pages of every arena to the system after such work. Elsewhere than glibc (musl,
macOS) all three are no-ops.

The third is fixed thresholds. glibc's are dynamic: once a large block it mapped on its own (an upload's body,
an export's zip) is freed, it maps only blocks above that size from then on (up to 32 MiB) and keeps up to twice
that free at the top of each arena; a thread arena's top is beyond `malloc_trim`'s reach, so after the first
upload a later burst of large buffers stayed resident, freed (17-22 MiB steps in the soak's RSS, issue #16;
docs/benchmarks.md "The serving process's memory, session 11"). Fixed, blocks of 1 MiB and more are mapped and
unmapped on their own, and an arena keeps at most 4 MiB free at its top. Not lower: a block that is mapped
costs its page faults at each use (a 2 MB copy ~1.6 ms instead of ~0.05 ms), and a request's buffers below
1 MiB (JSON pages, an import's body, stream chunks) are reused from the heap as before.
"""

import ctypes
import ctypes.util
import functools
import os
import threading
from collections.abc import Mapping

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD, M_ARENA_MAX = -1, -3, -8  # mallopt parameter numbers, from glibc's malloc.h
ARENAS = 2
MMAP_THRESHOLD = 1024 * 1024  # blocks this large are mapped on their own (glibc starts at 128 KiB, then rises)
TRIM_THRESHOLD = 4 * 1024 * 1024  # an arena's free top above this goes back at once (glibc: 2 x the mmap one)
# glibc keeps what a large piece of work freed (an upload, an import, an export, a Wrapped card) for reuse; a
# serving process trims it back once it holds more than this (issue #16: 20-40 MiB held free after such work,
# in a 200 MB budget). Checking costs a few microseconds; trimming a few milliseconds, only after large work.
TRIM_ABOVE_BYTES = 8 * 1024 * 1024
TRIM_EVERY_S = 5.0


@functools.cache
def _glibc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    libc = ctypes.CDLL(name)
    return libc if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None


def limit_malloc_arenas(environ: Mapping[str, str] | None = None, *, arenas: int = ARENAS) -> bool:
    """At most `arenas` malloc arenas for the threads started from now on, unless the operator set
    MALLOC_ARENA_MAX (glibc read it at start; theirs wins). True if the limit was set here."""
    env = os.environ if environ is None else environ
    libc = _glibc()
    if libc is None or env.get("MALLOC_ARENA_MAX"):
        return False
    return bool(libc.mallopt(M_ARENA_MAX, arenas))


def fix_mmap_threshold(
    environ: Mapping[str, str] | None = None, *, mmap: int = MMAP_THRESHOLD, trim: int = TRIM_THRESHOLD
) -> bool:
    """Map blocks of `mmap` bytes and more on their own, and give back an arena's free top above `trim`, from
    now on, whatever the process frees later; unless the operator set glibc's thresholds (MALLOC_MMAP_THRESHOLD_,
    MALLOC_TRIM_THRESHOLD_ or GLIBC_TUNABLES; theirs win). True if set here."""
    env = os.environ if environ is None else environ
    libc = _glibc()
    tunables = env.get("GLIBC_TUNABLES", "")
    chosen = any(env.get(f"MALLOC_{name}_THRESHOLD_") for name in ("MMAP", "TRIM")) or "_threshold=" in tunables
    if libc is None or chosen:
        return False
    return bool(libc.mallopt(M_MMAP_THRESHOLD, mmap)) and bool(libc.mallopt(M_TRIM_THRESHOLD, trim))


_MALLINFO2 = ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")


class _MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in _MALLINFO2]


def malloc_stats() -> tuple[int, int, int]:
    """glibc's (bytes in use, bytes held free, bytes in mmapped chunks); zeros without glibc 2.33+."""
    fn = getattr(_glibc(), "mallinfo2", None)
    if fn is None:
        return 0, 0, 0
    fn.restype = _MallInfo2
    info = fn()
    return int(info.uordblks), int(info.fordblks), int(info.hblkhd)


def malloc_held_free() -> int:
    """Bytes glibc holds free in its arenas (freed by the program, not yet given back); 0 without glibc."""
    return malloc_stats()[1]


def trim_malloc() -> bool:
    """Give the free pages of every arena back to the system (after large work); True if any were."""
    libc = _glibc()
    return bool(libc.malloc_trim(0)) if libc is not None else False


def trim_when_held(*, above: int = TRIM_ABOVE_BYTES) -> bool:
    """Give glibc's free pages back to the system if it holds more than `above` bytes free; True if it did."""
    return malloc_held_free() > above and trim_malloc()


class AllocatorKeeper:
    """The serving process's allocator housekeeping: two arenas for its many threads, fixed thresholds, and
    a trim when what glibc holds free grew by more than `above` since the last trim (see kernel._malloc for why).
    A trim cannot return free pieces smaller than a page between live ones, which glibc goes on counting as free,
    so the keeper compares with what was left after its last trim instead of trimming the same remnant every few
    seconds. Started before the threads are, stopped with the server."""

    def __init__(self, *, every_s: float = TRIM_EVERY_S, above: int = TRIM_ABOVE_BYTES) -> None:
        self.every_s, self.above = every_s, above
        self.trims = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="malloc-trim", daemon=True)

    def start(self) -> None:
        limit_malloc_arenas()
        fix_mmap_threshold()
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _loop(self) -> None:
        left = 0  # held free after the last trim
        while not self._stop.wait(self.every_s):
            held = malloc_held_free()
            if held - left > self.above:
                self.trims += trim_malloc()
                left = malloc_held_free()  # what a trim could not return: the next one waits for more
            else:
                left = min(left, held)  # reused: count growth from here
