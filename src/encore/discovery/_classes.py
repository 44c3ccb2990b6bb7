"""What a listener may hear, as a class shared with every listener who may hear the same: their verdict on each
content the catalogue uses today (`exclusives.contents_in_use`: public, Premium, each pre-release date), as
playback decides it for this listener now (`playback.content_verdicts`). Two listeners with the same verdicts may
hear exactly the same tracks, so an answer filtered for one class serves every listener of it; a pre-release's
date passing changes the verdict at that moment, with no write. What a track asks (`exclusives.track_contents`)
is kept per catalogue generation and exclusives' version (`exclusives.version`, moved by every write to an
exclusive)."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from encore import billing, exclusives, playback
from encore.discovery import _hot
from encore.discovery._answers import listed_contents

_UNDATED = datetime.max.replace(tzinfo=UTC)  # a pre-release without a date sorts last


@dataclass(frozen=True)
class Hears:
    """A listener's playability class: `key` names it (the exclusives' version and the verdicts, in the
    contents' fixed order); `verdicts` says, per content in use, whether the listener may hear it now."""

    key: tuple[int, tuple[bool, ...]]
    verdicts: dict[billing.Content, bool]


def hears(session: Session, *, user_id: int | None, now: datetime) -> Hears:
    """This listener's class now: one read of their subscription, then playback's verdict per content in use."""
    generation = exclusives.version(session)
    contents = _hot.one(session, ("contents", generation), lambda: _in_order(exclusives.contents_in_use(session)))
    verdicts = playback.content_verdicts(session, user_id=user_id, contents=contents, now=now)
    return Hears((generation, tuple(verdicts[c] for c in contents)), verdicts)


def playable_for(session: Session, hears: Hears, track_ids: Sequence[int]) -> set[int]:
    """The tracks among `track_ids` that listeners of this class may hear: listed music whose content they
    may hear. A content outside the class's (written after the class was read) is refused."""
    contents: dict[int, billing.Content | None] = _hot.many(
        session, f"content@{hears.key[0]}", track_ids, lambda ids: dict(listed_contents(session, track_ids=ids)), None
    )
    return {t for t, c in contents.items() if c is not None and hears.verdicts.get(c, False)}


def _in_order(contents: frozenset[billing.Content]) -> tuple[billing.Content, ...]:
    """A fixed order, so that equal verdicts make equal keys in every thread and process."""
    return tuple(sorted(contents, key=lambda c: (c.availability.value, c.release_at or _UNDATED)))
