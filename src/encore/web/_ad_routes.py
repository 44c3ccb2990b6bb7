"""Ad campaigns (the admin's) and ad breaks (the player's: the ad it owes, and its word that the ad played
through). The player's and the admin's JSON API."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from encore import ads, playback
from encore.audit import kinds
from encore.web._audit import note
from encore.web._bounds import Instant
from encore.web._deps import Admin, CurrentUser, Db, container
from encore.web._schemas import Strict

router = APIRouter(prefix="/api", tags=["entitlements"])


class CampaignIn(Strict):
    advertiser: str = Field(min_length=1, max_length=200)
    track_id: str = Field(min_length=1, max_length=22)
    starts_at: Instant
    ends_at: Instant
    budget_impressions: int = Field(ge=1, le=10**9)
    cpm_cents: int = Field(ge=0, le=10**6)
    genres: list[Annotated[str, Field(max_length=60)]] = Field(default_factory=list, max_length=20)
    hour_from: int | None = Field(default=None, ge=0, le=23)
    hour_to: int | None = Field(default=None, ge=0, le=24)
    freq_cap_per_day: int = Field(default=6, ge=1, le=1000)


class AdBreakOut(BaseModel):
    break_id: str
    url: str
    expires_at: datetime
    mime: str
    duration_ms: int
    advertiser: str
    issued_at: datetime


class AdPlayedOut(BaseModel):
    counted: bool
    reason: str


@router.post("/admin/ad-campaigns")
def new_campaign(body: CampaignIn, request: Request, session: Db, admin: Admin) -> dict[str, object]:
    view = ads.create_campaign(session, **body.model_dump(), heard_as_music=playback.heard_as_music)
    note(request, session, kinds.ADMIN_CAMPAIGN_CREATED, actor=admin, advertiser=body.advertiser, track=body.track_id)
    return dict(view.__dict__)


@router.post("/ads/next")
def next_ad(request: Request, session: Db, user: CurrentUser) -> AdBreakOut:
    c = container(request)
    brk, issued = playback.ad_url(
        session,
        user_id=user.id,
        user_public_id=user.public_id,
        settings=c.settings,
        keyring=c.keyring.get(),
        clocks=c.ad_clocks,
        now=c.clock.now(),
    )
    return AdBreakOut(
        break_id=brk.break_id,
        url=issued.url,
        expires_at=issued.expires_at,
        mime=issued.mime,
        duration_ms=brk.duration_ms,
        advertiser=brk.advertiser,
        issued_at=brk.issued_at,
    )


@router.post("/ads/{break_id}/played")
def ad_played(break_id: str, request: Request, session: Db, user: CurrentUser) -> AdPlayedOut:
    c = container(request)
    decision = playback.complete_ad_break(
        session, user_id=user.id, break_id=break_id, now=c.clock.now(), clocks=c.ad_clocks
    )
    return AdPlayedOut(counted=decision.allowed, reason=decision.reason)
