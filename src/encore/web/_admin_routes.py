"""What the admin screens (/admin, static/admin.js) read: accounts with their tier, and the ad campaigns.

The writes they use already exist: Premium grants and redeem codes (`_entitlement_routes`), uploads,
campaigns, statements (`_label_routes`).
"""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from encore import accounts, ads, billing
from encore.web._deps import Db, container
from encore.web._entitlement_routes import Admin

router = APIRouter(prefix="/api/admin", tags=["admin"])


class AdminUserOut(BaseModel):
    id: str
    username: str
    display_name: str
    role: str
    active: bool
    tier: str
    tier_reason: str
    premium_until: datetime | None


@router.get("/users")
def users(
    request: Request, session: Db, _: Admin, q: Annotated[str, Query(max_length=64)] = ""
) -> dict[str, list[AdminUserOut]]:
    now = container(request).clock.now()
    out = []
    for u in accounts.find_users(session, query=q, limit=50):
        view = billing.subscription_view(session, user_id=u.id, now=now)
        out.append(
            AdminUserOut(
                id=u.public_id,
                username=u.username,
                display_name=u.display_name,
                role=u.role,
                active=u.is_active,
                tier=view.tier,
                tier_reason=view.reason,
                premium_until=view.period_end,
            )
        )
    return {"items": out}


@router.get("/ad-campaigns")
def campaigns(session: Db, _: Admin) -> dict[str, list[ads.CampaignView]]:
    return {"items": ads.list_campaigns(session)}  # FastAPI serialises the dataclass itself
