"""The serving process's cyclic garbage collector: what it scans, and how often.

Python's collector runs a young-generation pass every 700 container allocations and, every hundred of those,
scans every container the process holds, however old. A server holds ~280,000 (its routes, models, metadata,
caches), nearly all made at start-up and alive until exit, and a ListenBrainz import of 1,000 listens makes
~10,000 short-lived containers (the parsed document, a `ListenIn` and the row tuples of each listen). Measured
in the capture bench's server (gc.callbacks, issue #17): a quarter of an import's server CPU went to the
collector, most of it to whole-heap scans of start-up objects that can never be garbage.

`settle_heap` runs once, when the app is built and before it serves: one full collection, then
`gc.freeze()` moves every surviving object out of the collector's sight (they are still freed by reference
counting; only a cycle among them would now outlive the process, and start-up builds none worth
reclaiming), and the young generation's threshold rises so that a request's own containers are mostly freed
by reference counting before any pass looks at them. Cycles made while serving are still collected.

The threshold is the operator's setting `ENCORE_GC_YOUNG_THRESHOLD` (config owns it; `encore serve` and each
worker of `serve --workers N` pass it here); GEN0_THRESHOLD is its default.
"""

import gc

GEN0_THRESHOLD = 20_000  # container allocations between young passes (Python's default: 700)


def settle_heap(*, gen0: int = GEN0_THRESHOLD) -> None:
    """Freeze what start-up built and make the young generation roomier; call once, before serving."""
    gc.collect()
    gc.freeze()
    _, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(max(gen0, 1), gen1, gen2)
