"""A taken-down cover stays held back (review23n F2 and F9). Only a published release showing the same image (one
content key) serves it again: a draft, a release its label withdrew or another label's upload do not, else a label
undoes the takedown of its cover by setting the same image on a fresh draft. And with PostgreSQL unreachable the
cover route answers from the held-back set last read (it used to be served from disk alone, then failed with the
database): covers go on, what was held back stays held, and a process that never read the set answers 503 "try
again" rather than serve what a takedown may hold back (review23f F1)."""

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

from encore import catalog
from encore.catalog import _art
from encore.db import transaction
from encore.state import MemoryState
from tests.catalog import factories as f
from tests.ingest import corpus as c
from tests.web.test_database_down import _free_port, _unreachable_at
from tests.web.test_label_drafts_api import Desk, desk, flacs
from tests.web.test_label_takedown_hold import _cover, _png, _published, _take_down

__all__ = ["desk", "flacs"]  # the fixtures this module uses

RED, BLUE, GREEN = (220, 0, 0), (0, 0, 220), (0, 160, 0)


@pytest.fixture(scope="module")
def more(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """A release for each label whose files are not the drafts module's (a file is one upload)."""
    d = tmp_path_factory.mktemp("art")
    ours = c.write_flac(d / "o.flac", c.tone(1.0, 330), title="Cinder", artist="Moth Choir", album="Ember")
    theirs = c.write_flac(d / "t.flac", c.tone(1.0, 700), title="Far", artist="Far Shore", album="Away")
    return {"ours": ours.read_bytes(), "theirs": theirs.read_bytes()}


def _release(desk: Desk, data: bytes, *, theirs: bool = False) -> str:
    up = desk.upload(data, theirs=theirs)
    assert up["releases"], up
    return str(up["releases"][0])  # type: ignore[index]


def _publish(desk: Desk, album_id: str, *, theirs: bool = False) -> None:
    r = desk.save(album_id, {"release_date": "2026-11-20"}, theirs=theirs)
    assert r.status_code == 200, r.text  # type: ignore[attr-defined]
    r = desk.act(album_id, "publish", theirs=theirs)
    assert r.status_code == 200, r.text  # type: ignore[attr-defined]


def _status(desk: Desk, key: str) -> int:
    return desk.client.get(f"/art/{key}/300.jpg").status_code


def test_only_a_published_release_serves_a_taken_down_cover_again(
    desk: Desk, flacs: dict[str, bytes], more: dict[str, bytes]
) -> None:
    album_id, _ = _published(desk, flacs)
    red = _cover(desk, album_id, _png(RED))
    _take_down(desk, album_id)
    assert _status(desk, red) == 404

    ours = _release(desk, more["ours"])  # a fresh draft of the same label, the same image
    assert _cover(desk, ours, _png(RED)) == red
    assert _status(desk, red) == 404  # was 200 to anyone: the draft counted as showing it
    theirs = _release(desk, more["theirs"], theirs=True)  # another label's draft, the same image
    assert _cover(desk, theirs, _png(RED), theirs=True) == red
    assert _status(desk, red) == 404
    assert desk.client.get(f"/art/{red}/300.jpg", headers=desk.ours).status_code == 404  # the label's session too
    # a draft's own cover, named by no taken-down release, is served (the portal shows it)
    assert _status(desk, _cover(desk, theirs, _png(GREEN), theirs=True)) == 200
    # nor does a published ad's album (review23f F5: it is no music album, as for artists' covers)
    with transaction(desk.container.sessions) as s:
        ad = f.album(s, "An Ad", f.artist(s, "Sponsor"))
        ad.is_ad, ad.artwork_key = True, red
    desk.container.catalogue_cache.views.clear()  # as a version move does: the set is read again
    assert _status(desk, red) == 404

    # a published release shows it: listed, and the operator's to take down in turn; withdrawn, it shows nothing
    _publish(desk, ours)
    assert _status(desk, red) == 200
    assert desk.act(ours, "withdraw").status_code == 200  # type: ignore[attr-defined]
    assert _status(desk, red) == 404
    _take_down(desk, album_id, restore=True)
    assert _status(desk, red) == 200


def test_covers_answer_from_the_set_last_read_while_postgresql_is_unreachable(
    desk: Desk, flacs: dict[str, bytes], more: dict[str, bytes], database_url: str
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has no server to lose")
    taken, _ = _published(desk, flacs)
    red = _cover(desk, taken, _png(RED))
    up = _release(desk, more["theirs"], theirs=True)
    blue = _cover(desk, up, _png(BLUE), theirs=True)
    _publish(desk, up, theirs=True)
    _take_down(desk, taken)
    assert (_status(desk, red), _status(desk, blue)) == (404, 200)  # the set is read

    sessions, cache = desk.container.sessions, desk.container.catalogue_cache
    dead = create_engine(_unreachable_at(database_url, _free_port()), connect_args={"connect_timeout": 2})
    sessions.configure(bind=dead)
    try:
        cache.views.clear()  # as a version move does: the set must be read again, and the database is gone
        assert (_status(desk, blue), _status(desk, red)) == (200, 404)  # was 503 for both
        assert desk.client.head(f"/art/{blue}/640.jpg").status_code == 200
        # a process that never read the set (started during the outage) cannot tell: the route says try again
        # rather than serve what a takedown may hold back (review23f F1)
        fresh = sessionmaker(bind=dead, info={catalog.CACHE_SESSION_KEY: catalog.CatalogueCache(MemoryState())})
        assert (catalog.art_held_back(fresh, key=red), catalog.art_held_back(fresh, key=blue)) == (None, None)
        _art._LAST.clear()  # this process too, as one started during the outage
        cache.views.clear()
        busy = desk.client.get(f"/art/{blue}/300.jpg")
        assert busy.status_code == 503 and busy.headers["retry-after"] == "1", busy.text
        assert busy.headers["cache-control"] == "no-store"
    finally:
        sessions.configure(bind=desk.container.engine)
        dead.dispose()
