"""The catalogue's search folds case in full, as the admin's account search now does (fix31a): both the index and
the query are folded in Python (`catalog._text.fold`, `str.casefold`), never by the database's lower(), so
"STRASSE" finds "Straße", Greek capitals find a word ending in the final sigma, Cyrillic capitals find the word in
small letters, on SQLite and PostgreSQL alike."""

from encore.bootstrap import Container
from encore.catalog import search_catalogue
from encore.db import transaction
from tests.catalog import factories as f

FOUND = {
    "STRASSE": ["Straße Boys"],
    "straße": ["Straße Boys"],
    "ΟΔΟΣ": ["οδός"],
    "οδοσ": ["οδός"],
    "МАРА": ["Мара"],
    "mara": ["MARA Band"],  # another script: not "Мара"
    "FINAL": ["ﬁnal Cut"],
}


def test_the_catalogue_search_folds_case_in_full(container: Container) -> None:
    with transaction(container.sessions) as s:
        for name in ("Straße Boys", "οδός", "Мара", "MARA Band", "ﬁnal Cut"):
            f.artist(s, name)
    with transaction(container.sessions) as s:
        found = {
            query: [
                a.name
                for a in search_catalogue(s, query=query, kinds=frozenset({"artist"}), limit=10, offset=0).artists.items
            ]
            for query in FOUND
        }
    assert found == FOUND
