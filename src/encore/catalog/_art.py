"""Which stored artwork is held back by an operator's takedown: art whose every album is taken down
(`encore catalog withdraw`) is not served at /art/ (probe23 F3: a taken-down release's cover stayed reachable
by every URL handed out); the same image on an album still up (one content key, one file) is served.

The art route is a hot path: the held-back keys are one small set kept with the catalogue's cached views, so it
is read again only when the catalogue's version moves (a takedown or a restore moves it)."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from encore.catalog._cache import built_at, cache_for
from encore.catalog._models import Album

_KEY = ("taken_down_art",)


def _held_back(session: Session) -> frozenset[str]:
    taken = set(
        session.scalars(
            select(Album.artwork_key).where(Album.taken_down_from.is_not(None), Album.artwork_key.is_not(None))
        )
    )
    if not taken:
        return frozenset()
    shown = session.scalars(
        select(Album.artwork_key).where(Album.taken_down_from.is_(None), Album.artwork_key.in_(sorted(taken)))
    )
    return frozenset(k for k in taken - set(shown) if k is not None)


def art_taken_down(session: Session, *, key: str) -> bool:
    """Whether the artwork of this content key belongs only to releases the operator took down. Art no album
    names (a cover just uploaded, or one left for the store's sweep) is not held back: only a takedown is."""
    cache = cache_for(session)
    held = cache.views.get(_KEY) if cache else None
    if not isinstance(held, frozenset):
        generation = built_at(session, cache) if cache else 0
        held = _held_back(session)
        if cache:
            cache.views.put(_KEY, held, built_at=generation)
    return key in held
