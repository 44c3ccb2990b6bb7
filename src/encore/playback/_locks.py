"""Which of these tracks would the stream decision refuse this listener now, and why: read-only, so lists can
show a lock before anyone presses play. The same facts and the same `decide` as `next_stream_decision`."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from encore.billing import Availability, Subscription, SubscriptionDates, SubState, decide
from encore.catalog import Album, Track, unplayable_reason
from encore.db import RawStatement, connection_of
from encore.exclusives import Exclusive, standing_audio
from encore.playback._decide import _content, content_columns

MAX_LOCK_IDS = 200


@dataclass(frozen=True)
class Lock:
    reason: str  # `premium_required` or `premium_required_prerelease`; with `unlisted`, also `withdrawn`...
    release_at: datetime | None  # when a pre-release opens to everyone


def locked_tracks(
    session: Session, *, user_id: int | None, track_ids: Sequence[str], now: datetime, unlisted: bool = False
) -> dict[str, Lock]:
    """The locked ones among `track_ids` (public ids; unknown ids are left out), keyed by public id.
    `user_id` None (an app with no listener behind it) is decided as someone without a subscription. With
    `unlisted`, a track nobody may stream (`catalog.unplayable_reason`: a withdrawn release, ad audio) is
    locked too, for its reason, from the same read; without it such a track is left out (the player's lists
    say `playable`, and a draft's track must not look like anything)."""
    wanted = list(dict.fromkeys(track_ids))[:MAX_LOCK_IDS]
    if not wanted:
        return {}
    # On the DB-API cursor: Core's execution layer cost more than these reads (/v1 asks on every request, #16)
    db = connection_of(session)
    sub_row = None if user_id is None else _subscription().first(db, {"user_id": user_id})
    sub = None if sub_row is None else SubscriptionDates(SubState(sub_row.state), sub_row.period_end, sub_row.trial_end)
    rows = _contents().rows(db, {"ids": wanted})
    locks: dict[str, Lock] = {}
    for row in rows:
        gone = unplayable_reason(status=row.status, is_ad=row.is_ad)
        if gone is not None:  # the player's lists say `playable: false`; a tier's lock on a draft's track told
            if unlisted:  # anyone with its id that it exists, and when it opens (probe21a F1)
                locks[row.public_id] = Lock(gone, None)
            continue
        content = _content(row)
        decision = decide(sub, content, now)
        if not decision.allowed:
            opens = content.release_at if content.availability is Availability.PRERELEASE else None
            locks[row.public_id] = Lock(decision.reason, opens)
    return locks


# Built once: building a statement and its cache key per call cost more CPU than running it (/v1 asks this on
# every track read). Nothing about the answer is cached.
@lru_cache(maxsize=1)
def _subscription() -> RawStatement:
    return RawStatement(
        select(Subscription.state, Subscription.period_end, Subscription.trial_end).where(
            Subscription.user_id == bindparam("user_id")
        )
    )


@lru_cache(maxsize=1)
def _contents() -> RawStatement:
    return RawStatement(
        select(Track.public_id, Track.status, Track.is_ad, *content_columns())
        .select_from(Track)
        .join(Album, Album.id == Track.album_id)
        .outerjoin(Exclusive, standing_audio())
        .where(Track.public_id.in_(bindparam("ids", expanding=True))),
        expanding="ids",
    )
