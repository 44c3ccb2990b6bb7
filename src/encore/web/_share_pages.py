"""Public share pages: a track, album, artist or public playlist as a small server-rendered page with
Open Graph and Twitter card tags, so chat and social apps show a rich preview. Every value is escaped;
a private playlist answers exactly like a missing one. "Listen on Encore" opens the item in the player,
which leads through log-in and back."""

from dataclasses import dataclass
from html import escape

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from encore import catalog, library
from encore.kernel import NotFound, ValidationFailed
from encore.web._deps import Db, public_base

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class Shared:
    kind: str  # Open Graph type comes from this
    title: str
    subtitle: str
    artwork_key: str | None
    app_path: str


def isolated(name: str) -> str:
    """`name` between U+2068 FIRST STRONG ISOLATE and U+2069 POP DIRECTIONAL ISOLATE: a name ending in a
    right-to-left override (names keep their bidi marks) no longer reverses the words after it in the same line.
    A U+2069 of the name's own that closes nothing would end the isolate early: dropped; one it leaves open is
    closed (the player's dom.js `isolate` does the same)."""
    depth, kept = 0, []
    for ch in name:
        if ch in "\u2066\u2067\u2068":
            depth += 1
        elif ch == "\u2069":
            if not depth:
                continue
            depth -= 1
        kept.append(ch)
    return "\u2068" + "".join(kept) + "\u2069" * depth + "\u2069"


def _find(session: Db, kind: str, item_id: str) -> Shared:
    if kind == "track":
        t = catalog.track_view(session, track_id=item_id)
        names = ", ".join(isolated(a.name) for a in t.artists)
        sub = f"{names} · {isolated(t.album_title)}"
        return Shared("music.song", t.title, sub, t.artwork_key, f"/track/{t.id}")
    if kind == "album":
        a = catalog.album_page(session, album_id=item_id).album
        names = ", ".join(isolated(x.name) for x in a.artists)
        year = f" · {a.release_date.year}" if a.release_date else ""
        return Shared("music.album", a.title, f"{names}{year}", a.artwork_key, f"/album/{a.id}")
    if kind == "artist":
        ar = catalog.artist_page(session, artist_id=item_id).artist
        return Shared("profile", ar.name, "Artist", ar.artwork_key, f"/artist/{ar.id}")
    if kind == "playlist":
        p = library.get_playlist(session, playlist_id=item_id, viewer_id=None)  # public ones only
        return Shared(
            "music.playlist",
            p.name,
            f"Playlist by {isolated(p.owner_name)} · {p.total_tracks} track{'' if p.total_tracks == 1 else 's'}",
            p.artwork_key,
            f"/playlist/{p.id}",
        )
    raise NotFound("no such page")


def render_share(item: Shared, base_url: str) -> str:
    e = escape  # quote=True: safe in text and in attribute values
    base = base_url.rstrip("/")
    image = f"{base}/art/{item.artwork_key}/640.jpg" if item.artwork_key else f"{base}/static/icon-512.png"
    cover = f"/art/{item.artwork_key}/300.jpg" if item.artwork_key else "/static/icon-512.png"
    url = f"{base}{item.app_path}"
    meta = {
        "og:type": item.kind,
        "og:title": isolated(item.title),  # as in <title>: a right-to-left name ends inside its own run
        "og:description": item.subtitle,
        "og:image": image,
        "og:url": url,
        "og:site_name": "Encore",
    }
    twitter = {
        "twitter:card": "summary_large_image",
        "twitter:title": isolated(item.title),
        "twitter:description": item.subtitle,
        "twitter:image": image,
    }
    tags = "\n".join(f'  <meta property="{e(k)}" content="{e(v)}">' for k, v in meta.items())
    tags += "\n" + "\n".join(f'  <meta name="{e(k)}" content="{e(v)}">' for k, v in twitter.items())
    return f"""<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{e(isolated(item.title))} · Encore</title>
  <meta name="description" content="{e(item.subtitle)}">
{tags}
  <link rel="canonical" href="{e(url)}">
  <link rel="icon" href="/static/icon.svg" type="image/svg+xml">
  <link rel="stylesheet" href="/static/share.css">
</head>
<body>
  <main class="share">
    <img class="share-cover" src="{e(cover)}" alt="Cover of {e(item.title)}" width="300" height="300">
    <h1 class="share-title">{e(item.title)}</h1>
    <p class="share-sub">{e(item.subtitle)}</p>
    <a class="share-listen" href="{e(item.app_path)}">Listen on Encore</a>
  </main>
</body>
</html>
"""


_NOT_FOUND = Shared("website", "Not found", "There is nothing here, or it is private.", None, "/")


@router.api_route("/share/{kind}/{item_id}", methods=["GET", "HEAD"])  # unfurlers HEAD first
def share_page(kind: str, item_id: str, session: Db, request: Request) -> HTMLResponse:
    base = public_base(request)
    try:
        item = _find(session, kind, item_id[:64])
    except (NotFound, ValidationFailed):
        return HTMLResponse(render_share(_NOT_FOUND, base), status_code=404)
    return HTMLResponse(render_share(item, base), headers={"Cache-Control": "public, max-age=300"})
