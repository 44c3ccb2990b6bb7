"""Encore Wrapped at the edge: the listener's own Wrapped under /api/me, and public share pages.

Thin handlers: parse, one insights call, map. A bad period, a card out of range, someone else's share
token and a revoked one are all 404 with the same body.
"""

from dataclasses import asdict
from html import escape
from typing import Annotated

from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from encore import insights
from encore.kernel import NotFound
from encore.web._client_ip import client_key
from encore.web._deps import CurrentUser, Db, container, public_base

router = APIRouter(tags=["wrapped"])
Period = Annotated[str, Path(max_length=8)]
TOKEN_MAX = 100
Token = Annotated[str, Path(max_length=TOKEN_MAX)]
SHARE_ID_DIGITS = 18  # a share's id fits a signed 64-bit integer; a token is 20 characters or more


PUBLIC_PER_MINUTE = 30  # public share pages and images per client: each may build a snapshot or draw a card


def _fold_own(request: Request, user_id: int) -> None:
    """The listener's own Wrapped folds their marked months first, committed in short transactions of its own
    before the snapshot builds in the request's, so no fold lock is held while it builds."""
    insights.fold_everyone(container(request).sessions, user_id=user_id)


def _card_png(session: Session, request: Request, *, user_id: int, period: str, n: int, fold: bool = True) -> Response:
    c = container(request)
    if fold:
        _fold_own(request, user_id)
    snapshot = insights.get_wrapped(session, user_id=user_id, period=period, now=c.clock.now(), fold=False)
    story = insights.cards(snapshot)
    if not 0 <= n < len(story):
        raise NotFound("no such card", code="no_card")
    png = c.cards.story(story[n], index=n, total=len(story), period=snapshot.period)
    return Response(png, media_type="image/png", headers={"Cache-Control": "private, max-age=300"})


def _public_allowed(request: Request) -> HTMLResponse | None:
    """A rate window per client over the public Wrapped pages, held in the shared state (all workers)."""
    hit = container(request).state.hit(
        f"rate:wrapped-public:{client_key(request)}", limit=PUBLIC_PER_MINUTE, window_s=60
    )
    if hit.allowed:
        return None
    retry = str(max(1, int(hit.retry_after_s + 0.999)))
    return HTMLResponse("Too many requests; try again shortly.", status_code=429, headers={"Retry-After": retry})


def _story(snapshot: insights.Snapshot) -> dict[str, object]:
    """The snapshot, its cards, and `nothing_played`: a period in range without listening (the player says "No
    Wrapped for 2019" instead of showing its cards of zeros; probe20 N2)."""
    cards = [asdict(c) for c in insights.cards(snapshot)]
    return {**snapshot.to_dict(), "nothing_played": snapshot.nothing_played, "cards": cards}


@router.get("/api/me/wrapped")
def wrapped_periods(session: Db, user: CurrentUser) -> dict[str, list[str]]:
    return {"periods": insights.available_periods(session, user_id=user.id)}


@router.get("/api/me/wrapped/shares")
def share_links(session: Db, user: CurrentUser) -> dict[str, list[dict[str, object]]]:
    """The listener's live share links, newest first. Only a hash of each token is kept, so a link is named by
    its period and creation time (its URL was shown once, when it was made) and revoked by its id."""
    links = insights.list_shares(session, user_id=user.id)
    return {"shares": [{"id": v.id, "period": v.period, "created_at": v.created_at} for v in links]}


@router.get("/api/me/wrapped/{period}")
def wrapped(period: Period, session: Db, user: CurrentUser, request: Request) -> dict[str, object]:
    _fold_own(request, user.id)
    now = container(request).clock.now()
    snapshot = insights.get_wrapped(session, user_id=user.id, period=period, now=now, fold=False)
    return _story(snapshot)


@router.post("/api/me/wrapped/{period}/rebuild")
def rebuild_wrapped(period: Period, session: Db, user: CurrentUser, request: Request) -> dict[str, object]:
    now = container(request).clock.now()
    parsed = insights.parse_period(period, now=now)
    _fold_own(request, user.id)
    snapshot = insights.rebuild(session, user_id=user.id, period=parsed, now=now, fold=False)
    return _story(snapshot)


@router.get("/api/me/wrapped/{period}/cards/{n}.png")
def wrapped_card(period: Period, n: int, session: Db, user: CurrentUser, request: Request) -> Response:
    return _card_png(session, request, user_id=user.id, period=period, n=n)


@router.post("/api/me/wrapped/{period}/playlist", status_code=201)
def top_songs_playlist(period: Period, session: Db, user: CurrentUser, request: Request) -> dict[str, object]:
    now = container(request).clock.now()
    _fold_own(request, user.id)
    snapshot = insights.get_wrapped(session, user_id=user.id, period=period, now=now, fold=False)
    made = insights.make_top_songs_playlist(session, user_id=user.id, snapshot=snapshot, now=now)
    p = made.playlist
    return {"id": p.id, "name": p.name, "total_tracks": p.total_tracks, "created": made.created}


@router.post("/api/me/wrapped/{period}/shares", status_code=201)
def create_share(period: Period, session: Db, user: CurrentUser, request: Request) -> dict[str, str]:
    now = container(request).clock.now()
    # the owner's fold and snapshot now, so the public page (which never folds) reads what the owner sees
    _fold_own(request, user.id)
    snapshot = insights.get_wrapped(session, user_id=user.id, period=period, now=now, fold=False)
    token = insights.create_share(session, user_id=user.id, snapshot=snapshot, now=now)
    return {"token": token, "url": f"/wrapped/s/{token}"}


@router.delete("/api/me/wrapped/shares/{token}", status_code=204)
def revoke_share(token: Token, session: Db, user: CurrentUser) -> Response:
    """By the link's token (as made) or by the id the list gives (digits, shorter than any token)."""
    if token.isascii() and token.isdigit() and len(token) <= SHARE_ID_DIGITS:
        insights.revoke_share_id(session, user_id=user.id, share_id=int(token))
    else:
        insights.revoke_share(session, user_id=user.id, token=token)
    return Response(status_code=204)


def _page(snapshot: insights.Snapshot, story: list[insights.Card], token: str, base_url: str) -> str:
    e = escape  # quote=True: safe in text and attribute values
    base = base_url.rstrip("/")
    title = f"Encore Wrapped {snapshot.period}"
    summary = story[-1]
    description = " · ".join(summary.lines[:3])
    image = f"{base}/wrapped/s/{token}/preview.png"
    meta = {"og:type": "website", "og:title": title, "og:description": description, "og:image": image,
            "og:image:width": str(insights.PREVIEW_WIDTH), "og:image:height": str(insights.PREVIEW_HEIGHT),
            "og:url": f"{base}/wrapped/s/{token}",
            "og:site_name": "Encore"}  # fmt: skip
    twitter = {"twitter:card": "summary_large_image", "twitter:title": title,
               "twitter:description": description, "twitter:image": image}  # fmt: skip
    tags = "\n".join(f'  <meta property="{e(k)}" content="{e(v)}">' for k, v in meta.items())
    tags += "\n" + "\n".join(f'  <meta name="{e(k)}" content="{e(v)}">' for k, v in twitter.items())
    cards = "\n".join(
        f'    <section class="wrapped-card wrapped-{e(c.kind)}"><h2>{e(c.title)}</h2>'
        f'<p class="wrapped-big">{e(c.big)}</p><ul>{"".join(f"<li>{e(line)}</li>" for line in c.lines)}</ul>'
        f'<a class="wrapped-png" href="/wrapped/s/{e(token)}/cards/{i}.png">Card image</a></section>'
        for i, c in enumerate(story)
    )
    return f"""<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta name="robots" content="noindex">
  <title>{e(title)}</title>
  <meta name="description" content="{e(description)}">
{tags}
  <link rel="icon" href="/static/icon.svg" type="image/svg+xml">
  <link rel="stylesheet" href="/static/wrapped.css">
</head>
<body class="wrapped-shared">
  <main class="wrapped-share">
    <h1>{e(title)}</h1>
{cards}
    <a class="share-listen" href="/">Make your own on Encore</a>
  </main>
</body>
</html>
"""


_GONE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Not found · Encore</title></head>
<body><p>There is nothing here: this link was never made, or it was revoked.</p>
<p><a href="/">Listen on Encore</a> · <a href="/wrapped">Your own Wrapped</a></p></body></html>"""


@router.api_route("/wrapped/s/{token}", methods=["GET", "HEAD"], include_in_schema=False)
def shared_wrapped(token: str, session: Db, request: Request) -> HTMLResponse:
    refused = _public_allowed(request)
    if refused is not None:
        return refused
    if len(token) > TOKEN_MAX:  # a page for a person, whatever the link: never a JSON 422
        return HTMLResponse(_GONE, status_code=404)
    try:
        owner, period = insights.resolve_share(session, token=token)
    except NotFound:
        return HTMLResponse(_GONE, status_code=404)
    now = container(request).clock.now()
    snapshot = insights.get_wrapped(session, user_id=owner, period=period, now=now, fold=False)
    page = _page(snapshot, insights.cards(snapshot), token, public_base(request))
    return HTMLResponse(page, headers={"Cache-Control": "private, no-store", "Referrer-Policy": "no-referrer"})


@router.api_route("/wrapped/s/{token}/cards/{n}.png", methods=["GET", "HEAD"], include_in_schema=False)
def shared_card(token: Token, n: int, session: Db, request: Request) -> Response:
    refused = _public_allowed(request)
    if refused is not None:
        return refused
    owner, period = insights.resolve_share(session, token=token)
    return _card_png(session, request, user_id=owner, period=period, n=n, fold=False)  # anonymous: never folds


@router.api_route("/wrapped/s/{token}/preview.png", methods=["GET", "HEAD"], include_in_schema=False)
def shared_preview(token: Token, session: Db, request: Request) -> Response:
    """The 1200x630 image link previews show (og:image), drawn once per snapshot and cached."""
    refused = _public_allowed(request)
    if refused is not None:
        return refused
    c = container(request)
    owner, period = insights.resolve_share(session, token=token)
    snapshot = insights.get_wrapped(session, user_id=owner, period=period, now=c.clock.now(), fold=False)
    png = c.cards.preview(insights.cards(snapshot)[-1], period=snapshot.period)
    return Response(png, media_type="image/png", headers={"Cache-Control": "private, max-age=300"})


@router.api_route("/wrapped/s/{rest:path}", methods=["GET", "HEAD"], include_in_schema=False)
def no_such_share(rest: str) -> HTMLResponse:
    """Anything else under /wrapped/s/ is a missing link, not the player's shell."""
    return HTMLResponse(_GONE, status_code=404)
