"""Ads: campaigns made by admins, which campaign a free listener hears next (targeting, hours, caps), the
breaks handed out and their impressions; spots come in as ad audio, never as music first (`mark_spot`). When an
ad is due is the ad clock's question (`encore.playback`)."""

from encore.ads._breaks import AdBreakView, can_serve_ad, finish_break, issue_break, open_break
from encore.ads._campaigns import CampaignView, create_campaign, list_campaigns
from encore.ads._models import AdBreak, AdCampaign
from encore.ads._policy import (
    AdClock,
    CampaignCandidate,
    ad_due,
    ad_played_through,
    campaign_eligible,
    pick_campaign,
)
from encore.ads._spots import ALREADY_MUSIC, mark_spot, music_among, spots_among

__all__ = [
    "ALREADY_MUSIC",
    "AdBreak",
    "AdBreakView",
    "AdCampaign",
    "AdClock",
    "CampaignCandidate",
    "CampaignView",
    "ad_due",
    "ad_played_through",
    "campaign_eligible",
    "can_serve_ad",
    "create_campaign",
    "finish_break",
    "issue_break",
    "list_campaigns",
    "mark_spot",
    "music_among",
    "open_break",
    "pick_campaign",
    "spots_among",
]
