"""The embedded index Encore did not choose, measured on the same catalogue and query shapes: tantivy.

    .venv/bin/python -m bench.search.tantivy_eval --db var/bench-1m.db --index var/tantivy-1m [--queries 300]

Builds a tantivy index (the `tantivy` PyPI package, Rust) from the catalogue's `search_docs` (folded name
and context, a popularity fast field) when --index is empty, then runs bench.search.run's query shapes with
the same semantics as Encore's engine: every word a prefix (the last one as typed), typos on words of 4+
letters (two on 8+), all words required, ten of each kind ranked by popularity, and the number of matches.
Only the index's work is timed (not loading the rows), which favours tantivy. Needs the `bench` extra.
"""

import argparse
import random
import sqlite3
import statistics
import time
from pathlib import Path
from typing import Any

import tantivy

from bench.search.shapes import SHAPES, queries
from encore.catalog import search_words

KINDS = ("artist", "album", "track")


def _schema() -> Any:
    sb = tantivy.SchemaBuilder()
    sb.add_text_field("kind", tokenizer_name="raw", index_option="basic")
    sb.add_text_field("name", tokenizer_name="default", index_option="freq")
    sb.add_text_field("context", tokenizer_name="default", index_option="freq")
    sb.add_unsigned_field("eid", stored=True, fast=True, indexed=False)
    sb.add_unsigned_field("pop", fast=True, indexed=False)
    return sb.build()


def build(db: Path, path: Path) -> Any:
    schema = _schema()
    path.mkdir(parents=True)
    index = tantivy.Index(schema, path=str(path))
    writer = index.writer(heap_size=200_000_000, num_threads=1)
    con = sqlite3.connect(db)
    rows = con.execute("SELECT kind, entity_id, doc, name, context FROM search_docs")
    for kind, eid, doc, name, context in rows:
        # Encore numbers docs by popularity: the same order becomes tantivy's popularity field.
        fields = {"kind": kind, "name": name, "context": context, "eid": eid, "pop": 10_000_000 - doc}
        writer.add_document(tantivy.Document.from_dict(fields, schema))
    writer.commit()
    writer.wait_merging_threads()
    return tantivy.Index.open(str(path))


def _word(schema: Any, word: str) -> Any:
    q, occur = tantivy.Query, tantivy.Occur
    parts = []
    for field in ("name", "context"):
        parts.append((occur.Should, q.fuzzy_term_query(schema, field, word, distance=0, prefix=True)))
        if len(word) >= 4:
            parts.append((occur.Should, q.fuzzy_term_query(schema, field, word, distance=2 if len(word) >= 8 else 1)))
    return q.boolean_query(parts)


def _query(schema: Any, text: str, kind: str) -> Any:
    words = search_words(text)[:8]
    clauses = [(tantivy.Occur.Must, tantivy.Query.term_query(schema, "kind", kind))]
    clauses += [(tantivy.Occur.Must, _word(schema, w)) for w in words]
    return tantivy.Query.boolean_query(clauses)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args()
    if not args.index.exists():
        started = time.perf_counter()
        index = build(args.db, args.index)
        print(f"built in {time.perf_counter() - started:.0f} s")
    else:
        index = tantivy.Index.open(str(args.index))
    index.reload()
    searcher, schema = index.searcher(), index.schema
    timings: dict[str, list[float]] = {}
    rng = random.Random(3)
    for _, q in queries(rng, 50):  # warm the page cache
        for kind in KINDS:
            searcher.search(_query(schema, q, kind), 10, count=True, order_by_field="pop")
    for shape, q in queries(rng, args.queries):
        started = time.perf_counter()
        for kind in KINDS:
            found = searcher.search(_query(schema, q, kind), 10, count=True, order_by_field="pop")
            [searcher.doc(address)["eid"][0] for _, address in found.hits]
        timings.setdefault(shape, []).append((time.perf_counter() - started) * 1000)
    everything = [t for ts in timings.values() for t in ts]
    print("| query shape | n | p50 ms | p95 ms | p99 ms |\n|---|---|---|---|---|")
    for shape, ts in [*((s, timings[s]) for s in SHAPES), ("all", everything)]:
        qs = statistics.quantiles(ts, n=100)
        print(f"| {shape} | {len(ts)} | {statistics.median(ts):.1f} | {qs[94]:.1f} | {qs[98]:.1f} |")


if __name__ == "__main__":
    main()
