"""Whether a verified stream is paid: only a play of a track published when it verified. One rule for the byte
path's live write, the outbox's drain and the edge log's reader (`write_verified_stream` applies it to each)."""

from dataclasses import dataclass
from datetime import datetime

from encore.catalog import ReleaseStatus


@dataclass(frozen=True)
class Paid:
    paid: bool
    reason: str  # a short code, for reports and logs


def paid_play(*, status: str, changed_at: datetime | None, taken_down: bool, verified_at: datetime | None) -> Paid:
    """`status`, `changed_at`, `taken_down`: the track's release as it is now (`Album.status_changed_at`, None when
    not known; `taken_down_from` set). `verified_at`: when the play verified, when a later reader knows it (an
    edge log: the time of the line that completed it); None when it verified now (the byte path) or at a time
    not kept (the outbox's drain), so the status now decides:
    - published, and so since before the play verified (or it verified now, or when is not known): paid;
    - published only after the play verified: it was withdrawn then, not paid (the byte path stops a
      withdrawn track's URLs within a second; nginx serves an edge URL until it expires);
    - withdrawn or taken down after the play verified: it was published then, and it was served then: paid;
    - withdrawn or taken down before it verified, or at a time not known, or when is not known: not paid (the
      drain's rule, review23m M1: a track withdrawn in the minute before the drain loses that play);
    - never published (a draft): not paid."""
    published = status == ReleaseStatus.PUBLISHED.value
    if published:
        if verified_at is None or changed_at is None or changed_at <= verified_at:
            return Paid(True, "published")
        return Paid(False, "published_after_play")
    if status != ReleaseStatus.WITHDRAWN.value:
        return Paid(False, "never_published")
    gone = "taken_down" if taken_down else "withdrawn"
    if verified_at is None:
        return Paid(False, f"{gone}_since")
    if changed_at is None:
        return Paid(False, f"{gone}_time_unknown")
    if changed_at > verified_at:
        return Paid(True, f"{gone}_after_play")
    return Paid(False, f"{gone}_before_play")
