"""Whether a verified stream is paid: only a play of a track published when it verified. One rule for the byte
path's live write, the outbox's drain and the edge log's reader (`write_verified_stream` applies it to each)."""

from dataclasses import dataclass
from datetime import datetime

from encore.catalog import ReleaseStatus


@dataclass(frozen=True)
class Paid:
    paid: bool
    reason: str  # a short code, for reports and logs


def paid_play(
    *, status: str, taken_down: bool, verified_at: datetime | None, published_then: bool | None = None
) -> Paid:
    """`status`, `taken_down`: the track's release as it is now (`taken_down_from` set). `verified_at`: when the
    play verified, when a later reader knows it (an edge log: the time of the line that completed it); None when
    it verified now (the byte path), so the status now decides; the outbox's drain passes when it kept the record
    (`Verified.kept_at`, fixlast24b), or None for a record whose kept time was lost (one a previous release rewrote).
    `published_then`: whether the release was published at `verified_at`, from its kept status changes
    (`catalog.published_when`); None when none is kept, so again the status now decides.
    - published then: paid, whatever happened since (withdrawn or taken down after: it was served then);
    - not published then: not paid, whatever happened since (published again after it, or withdrawn, restored
      and withdrawn again: the byte path stops a withdrawn track's URLs within a second, nginx serves an edge
      URL until it expires);
    - not known then: published now, paid; withdrawn or taken down now, not paid (the drain's rule, review23m M1:
      a track withdrawn in the minute before the drain loses that play); never published (a draft): not paid.
    The reason names the status now and when it was reached relative to the play, for reports and logs."""
    published = status == ReleaseStatus.PUBLISHED.value
    withdrawn = status == ReleaseStatus.WITHDRAWN.value
    gone = "taken_down" if taken_down else "withdrawn"
    if verified_at is None or published_then is None:
        if published:
            return Paid(True, "published")
        if not withdrawn:
            return Paid(False, "never_published")
        return Paid(False, f"{gone}_since" if verified_at is None else f"{gone}_time_unknown")
    if published_then:
        return Paid(True, f"{gone}_after_play" if withdrawn else "published")
    if published:
        return Paid(False, "published_after_play")
    return Paid(False, f"{gone}_before_play" if withdrawn else "never_published")
