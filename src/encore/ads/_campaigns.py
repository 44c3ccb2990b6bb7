"""Ad campaigns, made by admins; the ad's audio is a spot uploaded as one (`_spots.mark_spot`), never a listed track."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from encore.ads._models import AdCampaign
from encore.catalog import Genre, Track, TrackGenre, refuse_music_as_ad, track_row
from encore.kernel import ValidationFailed, has_control, has_visible

NOT_A_SPOT = (
    "this track is listed as music, so it cannot be an ad's audio: upload the advertiser's spot with the campaign form"
    " (POST /api/admin/ad-spots) or `encore ingest --ad FILE`, which keep it out of the catalogue, and use its track id"
)


@dataclass(frozen=True)
class CampaignView:
    id: str
    advertiser: str
    track_id: str
    starts_at: datetime
    ends_at: datetime
    budget_impressions: int
    cpm_cents: int
    genres: list[str]
    hour_from: int | None
    hour_to: int | None
    freq_cap_per_day: int
    impressions: int
    # What the admin should know of the campaign just made (a genre no track has yet), never a refusal
    warnings: list[str] = field(default_factory=list)


def unheard_genres_warning(wanted: list[str], present: set[str]) -> str | None:
    """Pure: the line for targeted genres no track has (`present`: every track's genre, lower case), or None.
    Warned, not refused (review32c L5): a label may ingest that genre tomorrow, and the campaign then plays; until
    then it never does, which the admin should hear at once rather than from an empty impressions count."""
    missing = [g for g in wanted if g not in present]
    if not missing:
        return None
    names = ", ".join(repr(g) for g in missing[:10])
    return (
        f"no track has the genre{'s' if len(missing) > 1 else ''} {names} yet: listeners hear this campaign only "
        "after a track of a targeted genre, so it plays once such a track is ingested"
    )


def _track_genres(session: Session) -> set[str]:
    """Every genre some track has, as campaigns match them (`_breaks._genres_of`: the name in lower case)."""
    has_track = select(TrackGenre.genre_id).where(TrackGenre.genre_id == Genre.id).exists()
    return {name.lower() for name in session.scalars(select(Genre.name).where(has_track))}


def create_campaign(
    session: Session,
    *,
    advertiser: str,
    track_id: str,
    starts_at: datetime,
    ends_at: datetime,
    budget_impressions: int,
    cpm_cents: int,
    genres: list[str],
    hour_from: int | None,
    hour_to: int | None,
    freq_cap_per_day: int,
    heard_as_music: Callable[[Session, int], str | None],
) -> CampaignView:
    """A campaign playing the spot `track_id` in ad breaks: ad audio already (`mark_spot`, at its upload).

    A listed track is refused: music never becomes an ad (it would leave the catalogue, its listeners' lists and its
    streams every open statement; review25m F1). The refusal says why: a label's release names the label, a track
    listeners have (`heard_as_music(session, track id)`: `playback.heard_as_music`, which ads may not import:
    verified streams, plays, playlists, saves, ratings) says how, and any other listed track `not_ad_audio`
    (review26a L2)."""
    if not has_visible(advertiser) or has_control(advertiser):
        raise ValidationFailed(
            "the advertiser's name must show (no control or only invisible characters)", code="bad_advertiser"
        )
    if ends_at <= starts_at:
        raise ValidationFailed("a campaign must end after it starts", code="bad_dates")
    if (hour_from is None) != (hour_to is None):
        raise ValidationFailed("give both hour_from and hour_to, or neither", code="bad_hours")
    track = track_row(session, track_id=track_id)
    if track.duration_ms <= 0:
        raise ValidationFailed("the ad's audio has no duration", code="bad_ad_audio")
    if not track.is_ad:
        refuse_music_as_ad(session, track=track)  # a label's release first: the refusal names the label
        reached = heard_as_music(session, track.id)
        if reached is not None:
            raise ValidationFailed(
                f"this track {reached}: it is music, and an ad's audio must be new audio of its own", code="music_track"
            )
        raise ValidationFailed(NOT_A_SPOT, code="not_ad_audio")  # listed: music, however new (review26a L2)
    wanted = sorted({g.strip().lower() for g in genres if g.strip()})
    unheard = unheard_genres_warning(wanted, _track_genres(session)) if wanted else None
    row = AdCampaign(
        advertiser=advertiser.strip(),
        track_id=track.id,
        starts_at=starts_at,
        ends_at=ends_at,
        budget_impressions=budget_impressions,
        cpm_cents=cpm_cents,
        genres=",".join(wanted),
        hour_from=hour_from,
        hour_to=hour_to,
        freq_cap_per_day=freq_cap_per_day,
        impressions=0,
    )
    session.add(row)
    session.flush()
    view = campaign_view(row, track.public_id)
    return view if unheard is None else CampaignView(**{**view.__dict__, "warnings": [unheard]})


def campaign_view(row: AdCampaign, track_public_id: str) -> CampaignView:
    return CampaignView(
        row.public_id,
        row.advertiser,
        track_public_id,
        row.starts_at,
        row.ends_at,
        row.budget_impressions,
        row.cpm_cents,
        [g for g in row.genres.split(",") if g],
        row.hour_from,
        row.hour_to,
        row.freq_cap_per_day,
        row.impressions,
    )


def list_campaigns(session: Session) -> list[CampaignView]:
    """Every campaign, newest first, with the impressions it has had (the admin's campaigns screen)."""
    rows = session.execute(
        select(AdCampaign, Track.public_id).join(Track, Track.id == AdCampaign.track_id).order_by(AdCampaign.id.desc())
    ).all()
    return [campaign_view(row, public_id) for row, public_id in rows]
