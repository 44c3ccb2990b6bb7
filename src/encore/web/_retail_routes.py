"""Buy links on albums and tracks; a click is counted by POST (once per listener or client, item and
day), and the GET link only redirects, so a link crawled or replayed counts nothing (#15, hole 8)."""

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel

from encore import retail
from encore.web._client_ip import client_key
from encore.web._deps import Db, MaybeUser, container

router = APIRouter(prefix="/api", tags=["retail"])


class BuyLinkOut(BaseModel):
    retailer: str
    label: str  # "Bandcamp" for the product page; "Search Bandcamp" when the template can only search
    url: str
    click_url: str


class ClickOut(BaseModel):
    url: str
    counted: bool


def shop(request: Request) -> retail.Shop:
    settings = container(request).settings
    return retail.Shop(settings.retailers, settings.retail_preorders)


def _out(request: Request, session: Db, kind: Literal["album", "track"], item_id: str) -> list[BuyLinkOut]:
    today = container(request).clock.now().date()
    links = retail.links_for(session, shop=shop(request), kind=kind, item_id=item_id, today=today)
    return [
        BuyLinkOut(retailer=x.retailer, label=x.label, url=x.url, click_url=f"/api/buy/{kind}/{item_id}/{x.retailer}")
        for x in links
    ]


@router.get("/albums/{album_id}/buy-links")
def album_links(album_id: str, request: Request, session: Db) -> list[BuyLinkOut]:
    return _out(request, session, "album", album_id)


@router.get("/tracks/{track_id}/buy-links")
def track_links(track_id: str, request: Request, session: Db) -> list[BuyLinkOut]:
    return _out(request, session, "track", track_id)


@router.get("/buy/{kind}/{item_id}/{retailer}")
def buy(
    kind: Literal["album", "track"], item_id: str, retailer: str, request: Request, session: Db
) -> RedirectResponse:
    """Redirects to the retailer without counting (a GET anyone can repeat is no measure of interest)."""
    today = container(request).clock.now().date()
    url = retail.destination(session, shop=shop(request), kind=kind, item_id=item_id, retailer=retailer, today=today)
    return RedirectResponse(url, status_code=302)


@router.post("/buy/{kind}/{item_id}/{retailer}")
def count_click(
    kind: Literal["album", "track"], item_id: str, retailer: str, request: Request, *, session: Db, user: MaybeUser
) -> ClickOut:
    url, counted = retail.click(
        session,
        shop=shop(request),
        kind=kind,
        item_id=item_id,
        retailer=retailer,
        user_id=user.id if user else None,
        client=client_key(request),
        now=container(request).clock.now(),
    )
    return ClickOut(url=url, counted=counted)
