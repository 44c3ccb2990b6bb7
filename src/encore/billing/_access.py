"""Pure decisions: what a listener's tier is, and whether they may open a thing.

Every face (player API, Subsonic, /v1) asks these functions; none of them touches a database.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class Tier(StrEnum):
    FREE = "free"
    PREMIUM = "premium"


class SubState(StrEnum):
    TRIALING = "trialing"
    ACTIVE = "active"
    PAST_DUE = "past_due"
    CANCELED = "canceled"
    EXPIRED = "expired"


class Availability(StrEnum):
    PUBLIC = "public"
    PREMIUM = "premium"
    PRERELEASE = "prerelease"


@dataclass(frozen=True)
class SubscriptionDates:
    """What the decision needs to know about a subscription; None means the user never had one."""

    state: SubState
    period_end: datetime | None
    trial_end: datetime | None = None
    grace_s: int = 3 * 86_400  # past_due keeps Premium this long after period_end (card retries)


@dataclass(frozen=True)
class Content:
    availability: Availability = Availability.PUBLIC
    release_at: datetime | None = None


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str
    tier: Tier = Tier.FREE


PUBLIC = Content()

_RANK = {Availability.PUBLIC: 0, Availability.PRERELEASE: 1, Availability.PREMIUM: 2}


def strictest(*contents: Content) -> Content:
    """One track can be restricted by its album, by itself and by an exclusive; the strictest applies.

    Premium beats a pre-release; of two pre-releases the later date wins (no date = not yet dated, later
    than any date), so a label never opens a track earlier than any of its settings says.
    """
    top = max(contents, key=lambda c: _RANK[c.availability], default=PUBLIC)
    if top.availability is not Availability.PRERELEASE:
        return top
    dates = [c.release_at for c in contents if c.availability is Availability.PRERELEASE]
    return Content(Availability.PRERELEASE, None if None in dates else max(d for d in dates if d is not None))


def effective_tier(sub: SubscriptionDates | None, now: datetime) -> tuple[Tier, str]:
    """A subscription gives Premium only while its dates say so; a stored state alone never does."""
    if sub is None:
        return Tier.FREE, "no_subscription"
    if sub.state is SubState.TRIALING:
        if sub.trial_end is not None and now < sub.trial_end:
            return Tier.PREMIUM, "trialing"
        return Tier.FREE, "trial_ended"
    if sub.state in (SubState.ACTIVE, SubState.CANCELED):
        # A canceled subscription runs to the end of the period already paid for.
        if sub.period_end is not None and now < sub.period_end:
            return Tier.PREMIUM, sub.state.value
        return Tier.FREE, "period_ended"
    if sub.state is SubState.PAST_DUE:
        if sub.period_end is not None and now < sub.period_end + timedelta(seconds=sub.grace_s):
            return Tier.PREMIUM, "past_due_grace"
        return Tier.FREE, "past_due"
    return Tier.FREE, "expired"


def decide(sub: SubscriptionDates | None, content: Content, now: datetime) -> Decision:
    """The one entitlement decision: (tier via subscription dates, content availability, now) -> verdict."""
    tier, _why = effective_tier(sub, now)
    if content.availability is Availability.PUBLIC:
        return Decision(True, "public", tier)
    if content.availability is Availability.PRERELEASE:
        if content.release_at is not None and now >= content.release_at:
            return Decision(True, "released", tier)
        if tier is Tier.PREMIUM:
            return Decision(True, "premium_prerelease", tier)
        return Decision(False, "premium_required_prerelease", tier)
    if tier is Tier.PREMIUM:
        return Decision(True, "premium", tier)
    return Decision(False, "premium_required", tier)
