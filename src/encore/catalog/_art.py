"""Which stored artwork is held back by an operator's takedown: art that a taken-down album (`encore catalog
withdraw`) shows is not served at /art/ (probe23 F3: a taken-down release's cover stayed reachable by every URL
handed out) unless a published album of music shows the same image (one content key, one file). Only a published
album of music counts (review23n F2; an ad's album does not, as for artists' covers: review23f F5): a draft, a
release its label withdrew or another label's unpublished upload naming the same key would otherwise serve it
again to anyone; artist and playlist images are published albums' covers.

The art route is a hot path: the held-back keys are one small set kept with the catalogue's cached views, so it
is read again only when the catalogue's version moves (a takedown or a restore moves it). With the database
unreachable or too busy to answer, the set last read answers, as the stream resolver keeps serving what it holds
(review23n F9)."""

import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from encore.catalog._cache import POLL_S, SESSION_KEY, CatalogueCache, built_at, cache_for
from encore.catalog._listing import music_album
from encore.catalog._models import Album
from encore.db import is_busy, is_unreachable

_KEY = ("taken_down_art",)


@dataclass
class _Last:
    held: frozenset[str] | None = None  # the set last read: what answers while the database cannot
    failed_at: float = float("-inf")  # when it last could not answer: tried again a second later, not per image


_LAST: "weakref.WeakKeyDictionary[CatalogueCache, _Last]" = weakref.WeakKeyDictionary()


def _held_back(session: Session) -> frozenset[str]:
    taken = set(
        session.scalars(
            select(Album.artwork_key).where(Album.taken_down_from.is_not(None), Album.artwork_key.is_not(None))
        )
    )
    if not taken:
        return frozenset()
    shown = session.scalars(select(Album.artwork_key).where(music_album(), Album.artwork_key.in_(sorted(taken))))
    return frozenset(k for k in taken - set(shown) if k is not None)


def art_taken_down(session: Session, *, key: str) -> bool:
    """Whether the artwork of this content key is held back: a taken-down release shows it and no published one
    does. Art no taken-down album names (a cover just uploaded, a draft's, one left for the store's sweep) is not
    held back: only a takedown is. Reads the database (at most the version poll, with the cache warm)."""
    cache = cache_for(session)
    held = cache.views.get(_KEY) if cache else None
    if not isinstance(held, frozenset):
        generation = built_at(session, cache) if cache else 0
        held = _held_back(session)
        if cache:
            cache.views.put(_KEY, held, built_at=generation)
    if cache:
        _LAST.setdefault(cache, _Last()).held = held
    return key in held


def art_held_back(sessions: Callable[[], Session], *, key: str) -> bool | None:
    """`art_taken_down` in a session of its own, for the art route. While the database is unreachable or too
    busy to answer (locked, its pool taken), the held-back set this process last read answers: what was served
    goes on being served, what was held back stays held, and the database is tried again a second later, not per
    image. A process that never read the set (started during the outage, or under load with its pool taken)
    cannot tell: None, and the route answers "try again" rather than serve an image a takedown may hold back
    (review23f F1: a takedown can be a legal duty; a cover a second late is not)."""
    with sessions() as session:
        found = session.info.get(SESSION_KEY)
        last = _LAST.setdefault(found, _Last()) if isinstance(found, CatalogueCache) else _Last()
        if time.monotonic() - last.failed_at < POLL_S:
            return None if last.held is None else key in last.held
        try:
            return art_taken_down(session, key=key)
        except Exception as exc:
            if not (is_unreachable(exc) or is_busy(exc)):
                raise
            last.failed_at = time.monotonic()
            return None if last.held is None else key in last.held
