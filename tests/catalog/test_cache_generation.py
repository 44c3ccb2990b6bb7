"""A request that read the catalogue's views before another request dropped them (the catalogue changed on some
node) must not put what it built from them back in the cache: it would be served stale until the next change."""

from encore import catalog
from encore.bootstrap import Container


def test_what_a_request_builds_after_another_cleared_the_views_is_not_kept(container: Container) -> None:
    with container.sessions() as early:
        assert catalog.cache_for(early) is not None  # checked fresh: reads from here on may be the old catalogue
        container.state.bump(catalog.STATE_KEY)  # an edit elsewhere, seen by the next request
        with container.sessions() as later:
            assert catalog.cache_for(later) is not None  # this one drops the views
        built = catalog.representation(early, ("test", 1), lambda: b"built from the old catalogue")
        assert built == b"built from the old catalogue"  # answered, but not kept
    with container.sessions() as next_request:
        assert catalog.representation(next_request, ("test", 1), lambda: b"fresh") == b"fresh"


def test_a_request_keeps_what_it_builds_when_nothing_changed(container: Container) -> None:
    with container.sessions() as first:
        catalog.representation(first, ("test", 2), lambda: b"kept")
    with container.sessions() as second:
        assert catalog.representation(second, ("test", 2), lambda: b"rebuilt") == b"kept"
