"""`encore search rebuild`: renumber the search index by popularity and write every set anew."""

import time

import typer

from encore.cli._console import console
from encore.cli._install import open_install

search_app = typer.Typer(help="The catalogue's search index.", no_args_is_help=True)


@search_app.command("rebuild")
def rebuild() -> None:
    """Rank by the latest listens and fold in every change (ingest keeps the index current without it)."""
    c = open_install()
    try:
        started = time.perf_counter()
        stats = c.rebuild_search()
        console.print(
            f"Search index rebuilt: {stats.docs} docs, {stats.terms} terms, {stats.prefixes} common prefixes "
            f"in {time.perf_counter() - started:.1f} s"
        )
    finally:
        c.close()
