"""Popularity discovery may rank by: listens from listeners who contribute (opt-outs left out), counted only
for tracks at least MIN_LISTENERS of them played (`may_derive`'s rule in SQL), so no rank reveals one listener."""

from sqlalchemy import ColumnElement, Select, Subquery, func, select

from encore.discovery._models import DiscoveryPreference
from encore.history import Play, visible
from encore.library import MIN_LISTENERS


def opted_out() -> Select[int]:
    return select(DiscoveryPreference.user_id).where(DiscoveryPreference.contribute.is_(False))


def derivable_listens(*where: ColumnElement[bool]) -> Subquery:
    """(track_id, listens) for tracks with enough distinct contributing listeners; others have no row
    (rank them as 0). `where` narrows the plays read, e.g. to a genre's tracks."""
    return (
        select(Play.track_id.label("track_id"), func.count(Play.id).label("listens"))
        .where(
            Play.is_listen.is_(True), Play.track_id.is_not(None), Play.user_id.not_in(opted_out()), visible(), *where
        )
        .group_by(Play.track_id)
        .having(func.count(func.distinct(Play.user_id)) >= MIN_LISTENERS)
        .subquery()
    )
