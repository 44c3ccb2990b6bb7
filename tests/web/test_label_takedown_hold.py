"""An operator's takedown (`encore catalog withdraw`) holds the whole release (probe23 F2, F3): its label changes
nothing listeners would see of it (title, tracks, lyrics, availability, cover) nor publishes it, each refused 409
`taken_down` with a sentence, and `encore catalog restore` puts back exactly what was taken down; the portal's
JSON says it is taken down; and its artwork is not served unless a published release shows the same image."""

import io

from PIL import Image

from encore import incident
from encore.catalog import stored_version
from encore.db import transaction
from tests.web.test_label_drafts_api import Desk, _draft, _ready, desk, flacs

__all__ = ["desk", "flacs"]  # the fixtures this module uses


def _png(colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 32), colour).save(out, "PNG")
    return out.getvalue()


def _refusal(r: object) -> object:
    """A 409 `taken_down` that says why, else what was answered instead."""
    json_body = r.content and r.headers.get("content-type", "").startswith("application/json")  # type: ignore[attr-defined]
    body = r.json() if json_body else {}  # type: ignore[attr-defined]
    error = body.get("error") if isinstance(body, dict) else None
    if r.status_code == 409 and error and "taken down by the operator" in error["message"]:  # type: ignore[attr-defined]
        return error["code"]
    return (r.status_code, error)  # type: ignore[attr-defined]


def _published(desk: Desk, flacs: dict[str, bytes]) -> tuple[str, str]:
    album_id, track_id = _draft(desk, flacs)
    _ready(desk, album_id)
    assert desk.act(album_id, "publish").status_code == 200  # type: ignore[attr-defined]
    return album_id, track_id


def _take_down(desk: Desk, album_id: str, *, restore: bool = False) -> None:
    now = desk.container.clock.now()
    with transaction(desk.container.sessions) as s:
        if restore:
            incident.restore_album(s, album_id=album_id, actor_id=None, now=now)
        else:
            incident.withdraw_album(s, album_id=album_id, actor_id=None, now=now, reason="notice")


def _cover(desk: Desk, album_id: str, png: bytes, *, theirs: bool = False) -> str:
    base, who = (desk.their_base, desk.theirs) if theirs else (desk.base, desk.ours)
    r = desk.client.put(f"{base}/releases/{album_id}/cover", files={"file": ("c.png", io.BytesIO(png))}, headers=who)
    assert r.status_code == 200, r.text
    return str(r.json()["artwork"]["300"].split("/")[2])


def test_a_taken_down_release_changes_nothing_from_the_portal_until_the_operator_restores_it(
    desk: Desk, flacs: dict[str, bytes]
) -> None:
    album_id, track_id = _published(desk, flacs)
    lyrics_url = f"{desk.base}/tracks/{track_id}/lyrics"
    assert desk.client.put(lyrics_url, json={"text": "first words"}, headers=desk.ours).status_code == 200
    assert desk.act(album_id, "withdraw").status_code == 200  # type: ignore[attr-defined]
    assert desk.release(album_id)["taken_down"] is False  # the label's own withdraw is not a takedown
    assert desk.act(album_id, "publish").status_code == 200  # type: ignore[attr-defined]
    fan_before = desk.client.get(f"/api/albums/{album_id}", headers=desk.fan).json()
    artist_id, extra = fan_before["album"]["artists"][0]["id"], {"kind": "demo", "title": "Early take"}
    c, ours = desk.client, desk.ours
    gallery = c.post(
        "/api/label/exclusives", json={"kind": "gallery", "title": "Sleeve", "album_id": album_id}, headers=ours
    )
    audio = c.post("/api/label/exclusives", json={**extra, "artist_id": artist_id, "track_id": track_id}, headers=ours)
    assert (gallery.status_code, audio.status_code) == (201, 201), (gallery.text, audio.text)
    exclusives_url = f"{desk.base}/exclusives"
    own_exclusives = c.get(exclusives_url, headers=ours).json()
    _take_down(desk, album_id)

    before = desk.release(album_id)
    assert before["status"] == "withdrawn" and before["taken_down"] is True
    listed = desk.client.get(f"{desk.base}/catalogue", headers=desk.ours).json()
    assert [a["taken_down"] for a in listed if a["id"] == album_id] == [True]
    tries = {
        "album title": lambda: c.patch(f"{desk.base}/albums/{album_id}", json={"title": "Renamed"}, headers=ours),
        "track title": lambda: c.patch(f"{desk.base}/tracks/{track_id}", json={"title": "Other"}, headers=ours),
        "track number": lambda: c.patch(f"{desk.base}/tracks/{track_id}", json={"track_number": 7}, headers=ours),
        "album availability": lambda: c.put(
            f"{desk.base}/albums/{album_id}/availability", json={"availability": "premium"}, headers=ours
        ),
        "track availability": lambda: c.put(
            f"{desk.base}/tracks/{track_id}/availability", json={"availability": "premium"}, headers=ours
        ),
        "lyrics": lambda: c.put(lyrics_url, json={"text": "la la"}, headers=ours),
        "lyrics file": lambda: c.put(
            f"{lyrics_url}/file", content=b"[00:00.50]la la", headers={**ours, "content-type": "text/plain"}
        ),
        "lyrics removed": lambda: c.delete(lyrics_url, headers=ours),
        "cover": lambda: c.put(
            f"{desk.base}/releases/{album_id}/cover",
            files={"file": ("c.png", io.BytesIO(_png((9, 9, 9))))},
            headers=ours,
        ),
        "publish": lambda: desk.act(album_id, "publish"),
        "exclusive": lambda: c.post("/api/label/exclusives", json={**extra, "album_id": album_id}, headers=ours),
        "exclusive's audio": lambda: c.post(
            "/api/label/exclusives", json={**extra, "artist_id": artist_id, "track_id": track_id}, headers=ours
        ),
        # review23n F1: an exclusive made before the takedown changes no more than the release does; withdrawing
        # the one whose audio is a track of it would have lifted that track's Premium lock past the restore
        "exclusive's picture": lambda: c.post(
            f"{exclusives_url}/{gallery.json()['id']}/images",
            files={"file": ("i.png", io.BytesIO(_png((1, 2, 3))))},
            headers=ours,
        ),
        "exclusive withdrawn": lambda: c.delete(f"{exclusives_url}/{audio.json()['id']}", headers=ours),
    }
    refused = {what: _refusal(attempt()) for what, attempt in tries.items()}
    assert refused == dict.fromkeys(tries, "taken_down")
    assert desk.release(album_id) == before
    assert c.get(lyrics_url, headers=ours).json()["lrc"] == "first words"
    assert c.get(exclusives_url, headers=ours).json() == own_exclusives

    _take_down(desk, album_id, restore=True)  # back as it was before the takedown: no edit slipped in
    assert desk.client.get(f"/api/albums/{album_id}", headers=desk.fan).json() == fan_before
    assert c.get(lyrics_url, headers=ours).json()["lrc"] == "first words"
    assert c.get(exclusives_url, headers=ours).json() == own_exclusives
    locked = desk.client.get(f"/api/tracks/{track_id}/lyrics", headers=desk.fan)  # the exclusive's audio still
    assert (locked.status_code, locked.json()["error"]["code"]) == (403, "premium_required"), locked.text
    after = desk.release(album_id)
    assert after["taken_down"] is False and after["status"] == "published"
    assert tries["album title"]().status_code == 200  # the hold is lifted with the takedown
    assert desk.release(album_id)["title"] == "Renamed"


def test_lyrics_writes_hold_the_release_without_moving_the_catalogue_version(
    desk: Desk, flacs: dict[str, bytes]
) -> None:
    """Lyrics are no catalogue row (review23n F3): a save or a delete holds the release's row, and is refused while
    it is taken down, but leaves the catalogue's version, whose every move clears each node's cached views."""
    album_id, track_id = _published(desk, flacs)
    c, ours, url = desk.client, desk.ours, f"{desk.base}/tracks/{track_id}/lyrics"

    def version() -> int:
        with transaction(desk.container.sessions) as s:
            return stored_version(s)

    before = version()
    for text in ("one", "two"):
        assert c.put(url, json={"text": text}, headers=ours).status_code == 200
    file = c.put(f"{url}/file", content=b"[00:00.50]three", headers={**ours, "content-type": "text/plain"})
    assert file.status_code == 200, file.text
    assert c.delete(url, headers=ours).json() == {"deleted": True}
    assert version() == before
    assert c.patch(f"{desk.base}/tracks/{track_id}", json={"title": "Other"}, headers=ours).status_code == 200
    assert version() > before  # what the catalogue shows still moves it

    _take_down(desk, album_id)
    taken = version()
    assert _refusal(c.put(url, json={"text": "late"}, headers=ours)) == "taken_down"
    assert _refusal(c.delete(url, headers=ours)) == "taken_down"
    assert version() == taken and c.get(url, headers=ours).json() is None


def test_a_taken_down_releases_artwork_is_served_only_while_a_published_release_shows_it(
    desk: Desk, flacs: dict[str, bytes]
) -> None:
    album_id, _ = _published(desk, flacs)
    red = _cover(desk, album_id, _png((220, 0, 0)))
    theirs = desk.upload(flacs["theirs"], theirs=True)["releases"][0]  # type: ignore[index]
    assert _cover(desk, str(theirs), _png((220, 0, 0)), theirs=True) == red  # one image, one content key
    ready = desk.save(str(theirs), {"title": "Elsewhere", "release_date": "2026-11-20"}, theirs=True)
    assert ready.status_code == 200, ready.text  # type: ignore[attr-defined]
    assert desk.act(str(theirs), "publish", theirs=True).status_code == 200  # type: ignore[attr-defined]
    urls = [f"/art/{red}/{size}.jpg" for size in (64, 300, 640)]
    first = desk.client.get(urls[1])  # read once: the held-back keys are kept with the catalogue's views
    assert first.status_code == 200 and first.headers["cache-control"] == "public, max-age=86400"

    _take_down(desk, album_id)
    assert [desk.client.get(u).status_code for u in urls] == [200, 200, 200]  # their release shows it still
    _cover(desk, str(theirs), _png((0, 0, 220)), theirs=True)  # now only the taken-down release names it
    for url in urls:
        for method in ("GET", "HEAD"):
            gone = desk.client.request(method, url)
            assert gone.status_code == 404 and gone.headers["cache-control"] == "no-store", (method, url)
    assert desk.client.get(urls[0], headers=desk.ours).status_code == 404  # its label's session too

    _take_down(desk, album_id, restore=True)
    back = desk.client.get(urls[2])
    assert back.status_code == 200 and back.content[:2] == b"\xff\xd8"


def test_artwork_revalidates_with_304_and_a_revalidation_learns_of_a_takedown(
    desk: Desk, flacs: dict[str, bytes]
) -> None:
    """Art is fresh for a day, not a year (probe23 F3): a client holding it then asks with If-None-Match and
    gets 304 without the image, unless the release was taken down meanwhile."""
    album_id, _ = _published(desk, flacs)
    key = _cover(desk, album_id, _png((0, 200, 0)))
    url = f"/art/{key}/300.jpg"
    first = desk.client.get(url)
    etag = first.headers["etag"]
    assert first.status_code == 200 and etag == f'"{key}-300"'
    for asked in (etag, f"W/{etag}", f'"{"0" * 64}-300", {etag}', "*"):
        for method in ("GET", "HEAD"):
            same = desk.client.request(method, url, headers={"If-None-Match": asked})
            assert same.status_code == 304 and same.content == b"", (asked, method)
            assert same.headers["etag"] == etag and same.headers["cache-control"] == "public, max-age=86400"
    for asked in (f'"{key}-640"', key, "", ","):
        again = desk.client.get(url, headers={"If-None-Match": asked})
        assert again.status_code == 200 and again.content == first.content, asked

    _take_down(desk, album_id)
    gone = desk.client.get(url, headers={"If-None-Match": etag})
    assert gone.status_code == 404 and gone.headers["cache-control"] == "no-store"
