"""Encore's own /v1 addition: where to buy an album or a track (Spotify's API has no such endpoint)."""

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, Field

from encore import retail
from encore.web._deps import Db, container
from encore.web._retail_routes import shop
from encore.web.spotify._edge import ERROR_RESPONSES, AnyToken, SpotifyRoute, base_url
from encore.web.spotify._schemas import ID_EXAMPLE

router = APIRouter(prefix="/v1", tags=["Buy links (Encore)"], route_class=SpotifyRoute, responses=ERROR_RESPONSES)

Id = Annotated[
    str, Path(pattern=r"^[0-9A-Za-z]{22}$", description="A 22-character base62 Encore id", examples=[ID_EXAMPLE])
]
ENCORE_ADDITION = (
    "**Encore addition**: not part of Spotify's Web API. Links come from the retailers the server's operator "
    "configured, filled with the release's UPC, ISRC, artist and title; retailers that need an identifier the "
    "item lacks are left out, so the list may be empty."
)


class BuyLink(BaseModel):
    retailer: str = Field(examples=["bandcamp"])
    label: str = Field(
        description="The retailer's name when `url` is the item's page, `Search <retailer>` when it is a search",
        examples=["Search bandcamp"],
    )
    url: str = Field(description="The retailer's page for this item", examples=["https://shop.example/upc/0123"])
    click_url: str = Field(
        description="POST here when the listener follows the link, to count the click for the label (once per "
        "listener and item a day; answers with `url`); a GET redirects to `url` without counting",
        examples=[f"https://encore.example/api/buy/album/{ID_EXAMPLE}/bandcamp"],
    )


class BuyLinks(BaseModel):
    href: str = Field(examples=[f"https://encore.example/v1/albums/{ID_EXAMPLE}/buy-links"])
    buy_links: list[BuyLink]


def _links(request: Request, session: Db, kind: Literal["album", "track"], item_id: str) -> BuyLinks:
    base = base_url(request)
    today = container(request).clock.now().date()
    found = retail.links_for(session, shop=shop(request), kind=kind, item_id=item_id, today=today)
    return BuyLinks(
        href=f"{base}/v1/{kind}s/{item_id}/buy-links",
        buy_links=[
            BuyLink(
                retailer=x.retailer, label=x.label, url=x.url, click_url=f"{base}/api/buy/{kind}/{item_id}/{x.retailer}"
            )
            for x in found
        ],
    )


@router.get("/albums/{id}/buy-links", summary="Get an album's buy links (Encore)", description=ENCORE_ADDITION)
def album_buy_links(request: Request, session: Db, _access: AnyToken, id: Id) -> BuyLinks:
    return _links(request, session, "album", id)


@router.get("/tracks/{id}/buy-links", summary="Get a track's buy links (Encore)", description=ENCORE_ADDITION)
def track_buy_links(request: Request, session: Db, _access: AnyToken, id: Id) -> BuyLinks:
    return _links(request, session, "track", id)
