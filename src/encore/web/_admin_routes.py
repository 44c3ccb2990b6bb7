"""What the admin screens (/admin, static/admin.js) read: accounts with their tier, and the ad campaigns.

The writes they use already exist: Premium grants and redeem codes (`_billing_routes`), uploads,
campaigns (`_ad_routes`), statements (`_label_routes`); disabling, enabling and deleting an account is here.
"""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import AfterValidator, BaseModel, Field, StrictBool, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from encore import accounts, ads, billing, incident
from encore.kernel import NotFound
from encore.web._audit import client_of
from encore.web._deps import Admin, Db, container
from encore.web._plain_errors import SENTENCE
from encore.web._schemas import Strict
from encore.web._security_routes import DeletingOut, ResetCodeOut

router = APIRouter(prefix="/api/admin", tags=["admin"])


class AdminUserOut(BaseModel):
    id: str
    username: str
    display_name: str
    role: str
    active: bool
    deleting: bool = False  # its deletion was asked: the erasing runs, and it cannot be enabled
    tier: str
    tier_reason: str
    premium_until: datetime | None


def _user_out(u: accounts.User, view: billing.SubscriptionView, *, deleting: bool) -> AdminUserOut:
    return AdminUserOut(
        id=u.public_id,
        username=u.username,
        display_name=accounts.name_for_others(u),
        role=u.role,
        active=u.is_active,
        deleting=deleting,
        tier=view.tier,
        tier_reason=view.reason,
        premium_until=view.period_end,
    )


NUL_IN_SEARCH = "Search cannot hold a NUL character (U+0000): no name holds one."


def _no_nul(q: str) -> str:
    """Review31a: a NUL found every account on SQLite (its LIKE ends the pattern there) and was a 500 on PostgreSQL
    (its text refuses NUL). Refused, not dropped as the catalogue's word search drops it: no name holds one, and
    this search matches the whole text typed, so a query of NUL alone dropped would list every account for a
    search that can find none."""
    if "\x00" in q:
        raise PydanticCustomError(SENTENCE, NUL_IN_SEARCH)
    return q


@router.get("/users")
def users(
    request: Request, session: Db, _: Admin, q: Annotated[str, Query(max_length=64), AfterValidator(_no_nul)] = ""
) -> dict[str, list[AdminUserOut]]:
    now = container(request).clock.now()
    found = accounts.find_users(session, query=q, limit=50)
    # whose deletion was asked, for the page's stopped accounts at once (it was a statement for each)
    deleting = accounts.erase_requested_among(session, user_ids=[u.id for u in found if not u.is_active])
    views = billing.subscription_views(session, user_ids=[u.id for u in found], now=now)  # one statement too
    return {"items": [_user_out(u, views[u.id], deleting=u.id in deleting) for u in found]}


ON_DISABLE = (
    "Password is said only when enabling an account: disabling changes no password and makes no reset. Leave it"
    " out, or force a reset when enabling it again."
)


class AccountStateIn(Strict):
    active: StrictBool  # true or false: "yes", 1, "on", "0" and "false" were read as a switch (probe20 N6)
    password: incident.PasswordOnEnable | None = Field(
        default=None,
        description="Enabling needs it: reset (its owner chooses a new password with the one-time code answered: "
        "the safe choice if the password may have leaked, since signing in tells a disabled account's right "
        "password apart from a wrong one) or keep. Refused when disabling, which changes no password",
    )

    @field_validator("password")
    @classmethod
    def _only_to_enable(cls, value: str | None, info: ValidationInfo) -> str | None:
        """probe23 F6: {"active": false, "password": "reset"} answered 200 and made no reset: an admin who meant
        one would not know it was never made."""
        if value is not None and info.data.get("active") is False:
            raise PydanticCustomError(SENTENCE, ON_DISABLE)
        return value


class AccountStateOut(AdminUserOut):
    # what the operator must still do or know: a card subscription that goes on charging, a label left with no account
    warning: str | None = None
    reset_code: ResetCodeOut | None = None  # enabled with a forced reset: hand it to its owner out of band


@router.patch("/users/{user_id}", responses={409: {"description": "Not now, and why"}})
def set_active(user_id: str, body: AccountStateIn, request: Request, session: Db, admin: Admin) -> AccountStateOut:
    """Disable an account (signed out everywhere; no sign-in, app, token or link of it works) or enable it
    again, saying whether its password is reset or kept. Refused for the last active administrator, for enabling
    without saying, and for enabling an account whose deletion was asked."""
    c = container(request)
    user = accounts.get_user_by_public_id(session, public_id=user_id)
    if user is None:
        raise NotFound("no such account", code="no_such_account")
    now = c.clock.now()
    done = incident.set_account_active(
        session,
        user_id=user.id,
        active=body.active,
        actor_id=admin.id,
        now=now,
        client=client_of(request),
        cutoffs=c.stream_cutoffs,
        password=body.password,
    )
    warning = None if body.active else incident.warnings_on_disable(session, user_id=user.id, now=now)
    deleting = not user.is_active and accounts.erase_requested(session, user_id=user.id)
    view = billing.subscription_view(session, user_id=user.id, now=now)
    code = ResetCodeOut(**done.reset_code.__dict__) if done.reset_code is not None else None
    return AccountStateOut(**_user_out(user, view, deleting=deleting).model_dump(), warning=warning, reset_code=code)


@router.delete("/users/{user_id}", status_code=202, responses={409: {"description": "Not now, and why"}})
def delete_user(user_id: str, request: Request, session: Db, admin: Admin) -> DeletingOut:
    """Delete an account, disabled or not, as its owner's Delete account does: it stops now (signed out everywhere,
    no sign-in) and a job erases its data (plays, library, playlists, Wrapped, apps, exports). Refused for the last
    active administrator, a label's only account, and a card subscription that would still renew (cancel it in
    Stripe first). Asked again while its erasing runs: the same job."""
    c = container(request)
    user = accounts.get_user_by_public_id(session, public_id=user_id)
    if user is None:
        raise NotFound("no such account", code="no_such_account")
    job = incident.delete_account(
        session,
        user_id=user.id,
        jobs=c.jobs,
        actor_id=admin.id,
        now=c.clock.now(),
        client=client_of(request),
        cutoffs=c.stream_cutoffs,
    )
    return DeletingOut(job_id=job.id)


@router.get("/ad-campaigns")
def campaigns(session: Db, _: Admin) -> dict[str, list[ads.CampaignView]]:
    return {"items": ads.list_campaigns(session)}  # FastAPI serialises the dataclass itself
