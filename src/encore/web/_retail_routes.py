"""Buy links on albums and tracks, and the counted redirect to a retailer."""

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel

from encore import retail
from encore.web._deps import Db, MaybeUser, container

router = APIRouter(prefix="/api", tags=["retail"])


class BuyLinkOut(BaseModel):
    retailer: str
    url: str
    click_url: str


def _out(request: Request, session: Db, kind: Literal["album", "track"], item_id: str) -> list[BuyLinkOut]:
    retailers = container(request).settings.retailers
    links = retail.links_for(session, retailers=retailers, kind=kind, item_id=item_id)
    return [
        BuyLinkOut(retailer=x.retailer, url=x.url, click_url=f"/api/buy/{kind}/{item_id}/{x.retailer}") for x in links
    ]


@router.get("/albums/{album_id}/buy-links")
def album_links(album_id: str, request: Request, session: Db) -> list[BuyLinkOut]:
    return _out(request, session, "album", album_id)


@router.get("/tracks/{track_id}/buy-links")
def track_links(track_id: str, request: Request, session: Db) -> list[BuyLinkOut]:
    return _out(request, session, "track", track_id)


@router.get("/buy/{kind}/{item_id}/{retailer}")
def buy(
    kind: Literal["album", "track"], item_id: str, retailer: str, request: Request, *, session: Db, user: MaybeUser
) -> RedirectResponse:
    c = container(request)
    url = retail.click(
        session,
        retailers=c.settings.retailers,
        kind=kind,
        item_id=item_id,
        retailer=retailer,
        user_id=user.id if user else None,
        now=c.clock.now(),
    )
    return RedirectResponse(url, status_code=302)
