"""An ad campaign a test can serve from: the ad track's, live from a day before `now` to a month after it; and an
advertiser's spot made by the demo generator, ingested like any audio."""

from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from encore import ads, playback
from encore.bootstrap import Container
from encore.demo import DemoSpec, plan_catalogue, write_demo_library
from encore.ingest import run_ingest


def campaign(
    s: Session,
    *,
    track_id: str,
    now: datetime,
    budget: int = 1000,
    cpm_cents: int = 2000,
    freq_cap_per_day: int = 6,
    advertiser: str = "Acme",
) -> ads.CampaignView:
    """`advertiser`'s campaign for the ad track `track_id`, every hour and genre."""
    return ads.create_campaign(
        s,
        advertiser=advertiser,
        track_id=track_id,
        starts_at=now - timedelta(days=1),
        ends_at=now + timedelta(days=30),
        budget_impressions=budget,
        cpm_cents=cpm_cents,
        genres=[],
        hour_from=None,
        hour_to=None,
        freq_cap_per_day=freq_cap_per_day,
        heard_as_music=playback.heard_as_music,
    )


def ingest_spot(container: Container, folder: Path, *, seconds: tuple[float, float] = (5.0, 5.5)) -> None:
    """One short spot by the demo generator, ingested as the admin's spot upload is: no label forced, ad audio from
    its commit on. Without the label tag the generator gives its music: a label's release is music, which never
    becomes an ad (review25m F1)."""
    spec = DemoSpec(artists=2, albums=1, tracks=1, min_track_s=seconds[0], max_track_s=seconds[1], seed=5)
    planned = plan_catalogue(spec)
    spot = replace(planned, albums=[replace(a, label=None, label_kind=None) for a in planned.albums])
    write_demo_library(spot, folder, workers=1)
    summary = run_ingest(
        paths=[folder], session_factory=container.sessions, store=container.store, label_override=None, workers=1,
        progress=None, as_ad=ads.mark_spot,
    )  # fmt: skip
    assert summary.imported == 1 and not summary.failed, summary
