"""An ad campaign a test can serve from: the ad track's, live from a day before `now` to a month after it."""

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from encore import ads


def campaign(
    s: Session, *, track_id: str, now: datetime, budget: int = 1000, cpm_cents: int = 2000, freq_cap_per_day: int = 6
) -> ads.CampaignView:
    """Acme's campaign for the ad track `track_id`, every hour and genre."""
    return ads.create_campaign(
        s,
        advertiser="Acme",
        track_id=track_id,
        starts_at=now - timedelta(days=1),
        ends_at=now + timedelta(days=30),
        budget_impressions=budget,
        cpm_cents=cpm_cents,
        genres=[],
        hour_from=None,
        hour_to=None,
        freq_cap_per_day=freq_cap_per_day,
    )
