"""The exclusives' version: one number in the shared state that every write to an exclusive moves once its
transaction commits (a grant, a withdrawal, an edit of its availability or release date), so every worker and
node can keep what it derives from exclusives (discovery's playability classes) per version, like the catalogue's
version and discovery's opt-outs. Any insert, update or delete of an `Exclusive` through the ORM moves it (a mapper
event, so an edit that goes past this package's writers is never served stale); a bulk `UPDATE` statement does
not (nor does it move the catalogue's). A rolled-back write moves it anyway at the session's next commit: a
spurious move only costs a rebuild.

The version needs no database row: exclusives are written by the label portal, a serving process that shares
its state; a process without shared state keeps nothing of them between requests."""

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, object_session

from encore.catalog import CACHE_SESSION_KEY, CatalogueCache, cache_for
from encore.exclusives._models import Exclusive

STATE_KEY = "exclusives"
_MARKED = "encore.exclusives_changed"


def version(session: Session) -> int:
    """The exclusives' version (shared by every worker and node); 0 without a catalogue cache."""
    cache = cache_for(session)
    return 0 if cache is None else cache.state.version(STATE_KEY)


def exclusives_changed(session: Session) -> None:
    """Once this session commits, the exclusives' version moves (after the commit, so no process can derive
    from the old rows under the new version)."""
    cache = session.info.get(CACHE_SESSION_KEY)
    if not isinstance(cache, CatalogueCache) or session.info.get(_MARKED):
        return  # a bare session keeps nothing and has nobody to tell; or already marked
    session.info[_MARKED] = True
    state = cache.state

    def committed(done: Session) -> None:
        done.info.pop(_MARKED, None)
        state.bump(STATE_KEY)

    event.listen(session, "after_commit", committed, once=True)


def _written(_mapper: Any, _connection: Any, target: Exclusive) -> None:
    session = object_session(target)
    if session is not None:
        exclusives_changed(session)


for _when in ("after_insert", "after_update", "after_delete"):
    event.listen(Exclusive, _when, _written)
