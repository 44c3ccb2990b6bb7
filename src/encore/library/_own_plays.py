"""A listener's own listens of a track: Subsonic's `playCount`, as Navidrome keeps it per user.

The one place this count is read, so that it can be pointed at a kept per-listener counter. Today it counts
the listener's visible listens of each track through `plays`' (user, track) index: the cost grows with how
often this listener played the tracks on the page (not with the whole history, nor with other listeners'),
and nothing about it is cached, so a listen shows on the next request (#16).
"""

from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, func, select

from encore.catalog import Track
from encore.history import Play, visible


def own_listens(tag: Any, no_time: Any, tracks: ColumnElement[bool]) -> Select[Any]:
    """(tag, track public id, no_time, listens) for each track matching `tracks` that the listener bound as
    `user_id` listened to at least once; the columns of the marks' UNION (`_annotations`)."""
    return (
        select(tag, Track.public_id, no_time, func.count(Play.id))
        .join(Play, Play.track_id == Track.id)
        .where(tracks, Play.user_id == bindparam("user_id"), Play.is_listen.is_(True), visible())
        .group_by(Track.public_id)
    )
