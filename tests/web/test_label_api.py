"""The label API: every label route refuses another label (the whole route table), no mass assignment,
statements and CSV, availability enforced on streams, admin close."""

import io
import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from encore import billing, exclusives
from encore.accounts import User
from encore.bootstrap import Container
from encore.catalog import Label, Track
from encore.db import transaction
from encore.kernel import FixedClock
from encore.web._app import create_api
from tests.labels.world import AFTER, MID, build, play
from tests.support.media import add_rendition
from tests.web.conftest import login


def _h(client: TestClient, name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {login(client, name)}"}


@pytest.fixture
def world(container: Container) -> dict[str, str]:
    container.clock = FixedClock(AFTER)
    # Not the 30.00 the world's subscribers paid: a statement counts what was paid, not today's price.
    container.settings = container.settings.model_copy(update={"premium_price_cents": 9999})
    with transaction(container.sessions) as s:
        w = build(s)
        add_rendition(container, s, w.a)
        ours = s.get_one(Label, w.ours_label_id).public_id
        theirs = s.get_one(Label, w.theirs_label_id).public_id
        return {
            "label_id": ours,
            "theirs_label_id": theirs,
            "album_id": w.a.album.public_id,
            "track_id": w.a.public_id,
            "month": "2026-11",
            "exclusive_id": _gallery(s, w.ours_label_id, w.a.album.public_id),
        }


def _gallery(s: Session, label_id: int, album_id: str) -> str:
    """An exclusive of ours, for the exclusive routes (a gallery: it takes pictures)."""
    view = exclusives.create_exclusive(
        s,
        label_id=label_id,
        kind="gallery",
        title="Sketches",
        description="",
        album_id=album_id,
        artist_id=None,
        track_id=None,
        availability=billing.Availability.PREMIUM,
        release_at=None,
        now=datetime.now(UTC),
    )
    return view.id


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8)).save(out, "PNG")
    return out.getvalue()


_PNG = _png()
# A valid body for every write route, so an answer is about who asks, never about a malformed request.
BODIES: dict[tuple[str, str], dict[str, object]] = {
    ("PATCH", "/api/label/{label_id}/albums/{album_id}"): {"json": {"title": "Renamed"}},
    ("PATCH", "/api/label/{label_id}/tracks/{track_id}"): {"json": {"title": "Renamed"}},
    ("PUT", "/api/label/{label_id}/albums/{album_id}/availability"): {"json": {"availability": "premium"}},
    ("PUT", "/api/label/{label_id}/tracks/{track_id}/availability"): {"json": {"availability": "inherit"}},
    ("POST", "/api/label/{label_id}/uploads"): {"files": {"file": ("song.mp3", b"not really audio")}},
    ("PUT", "/api/label/{label_id}/tracks/{track_id}/lyrics"): {"json": {"text": "[00:01.00]Hello"}},
    ("PUT", "/api/label/{label_id}/tracks/{track_id}/lyrics/file"): {"content": b"[00:02.00]Hello again"},
    ("POST", "/api/label/exclusives"): {"json": {"kind": "demo", "title": "Demo", "album_id": "{album_id}"}},
    ("POST", "/api/label/{label_id}/exclusives/{exclusive_id}/images"): {"files": {"file": ("p.png", _PNG)}},
    ("PATCH", "/api/label/{label_id}/releases/{album_id}"): {"json": {"title": "Renamed"}},
    ("PUT", "/api/label/{label_id}/releases/{album_id}/cover"): {"files": {"file": ("c.png", _PNG)}},
    ("POST", "/api/label/{label_id}/releases/{album_id}/publish"): {},
    ("POST", "/api/label/{label_id}/releases/{album_id}/withdraw"): {},
    ("PUT", "/api/label/{label_id}/releases/{album_id}/numbers"): {"json": {"tracks": [{"id": "{track_id}"}]}},
}
# The world's release is published: the draft-only routes answer 409 to its owner (about its state, not who asks).
RELEASE_ROUTES = "/api/label/{label_id}/releases/"


def _label_routes(container: Container) -> list[tuple[str, str]]:
    """The route table of the app under test, as FastAPI publishes it (this FastAPI nests included routers,
    so the OpenAPI paths are the flat table; no Encore route hides from the schema)."""
    paths = create_api(container).openapi()["paths"]
    # "/api/label/...", not "/api/labels/...": those are the public catalogue's label pages.
    routes = [(m.upper(), path) for path, ops in paths.items() if path.startswith("/api/label/") for m in ops]
    assert len(routes) >= 12  # the table really was walked
    return routes


def _call(client: TestClient, method: str, path: str, world: dict[str, str], who: dict[str, str]) -> int:
    url = re.sub(r"{(\w+)}", lambda m: world[m.group(1)], path)
    kwargs = dict(BODIES.get((method, path), {}))
    if method in ("POST", "PUT", "PATCH") and (method, path) not in BODIES:
        pytest.fail(f"no test body for {method} {path}: add one to BODIES")
    if "json" in kwargs:  # a world's id named as "{name}", at any depth of the body
        named = re.sub(r'"{(\w+)}"', lambda m: json.dumps(world[m.group(1)]), json.dumps(kwargs["json"]))
        kwargs["json"] = json.loads(named)
    if "files" in kwargs:
        name, data = kwargs["files"]["file"]  # type: ignore[index]
        kwargs["files"] = {"file": (name, io.BytesIO(data))}
    return client.request(method, url, headers=who, **kwargs).status_code  # type: ignore[arg-type]


def test_every_label_route_answers_404_to_another_label(
    client: TestClient, container: Container, world: dict[str, str]
) -> None:
    routes = _label_routes(container)
    for who in ("theirs", "free", "sub1", "root"):
        h = _h(client, who)
        for method, path in routes:
            assert _call(client, method, path, world, h) == 404, (who, method, path)
    # The same requests from the owner succeed, so the 404s above are about who asks.
    ours = _h(client, "ours")
    for method, path in routes:
        status = _call(client, method, path, world, ours)
        assert status in (200, 201, 204) or (path.startswith(RELEASE_ROUTES) and status == 409), (method, path, status)


def test_nothing_changed_by_the_refused_requests(
    client: TestClient, container: Container, world: dict[str, str]
) -> None:
    h = _h(client, "theirs")
    for method, path in _label_routes(container):
        _call(client, method, path, world, h)
    album = client.get(f"/api/label/{world['label_id']}/albums/{world['album_id']}", headers=_h(client, "ours"))
    assert album.json()["title"] == "Ours LP" and album.json()["availability"] == "public"


def test_a_listener_cannot_become_label_or_premium_by_extra_fields(
    client: TestClient, container: Container, world: dict[str, str]
) -> None:
    for extra in ({"role": "label"}, {"label_id": 1}, {"tier": "premium"}, {"role": "admin"}):
        body = {"username": "sneaky", "password": "long-enough-pass", **extra}
        assert client.post("/api/auth/signup", json=body).status_code == 422, extra
    r = client.post("/api/auth/signup", json={"username": "sneaky", "password": "long-enough-pass"})
    assert r.status_code == 201 and r.json()["user"]["role"] == "listener"
    h = {"Authorization": f"Bearer {r.json()['token']}"}
    assert client.get("/api/me/label", headers=h).status_code == 404
    assert client.get("/api/me/subscription", headers=h).json()["tier"] == "free"
    ours = _h(client, "ours")
    base = f"/api/label/{world['label_id']}"
    for path, body in (
        (f"/albums/{world['album_id']}", {"title": "x", "label_id": world["theirs_label_id"]}),
        (f"/tracks/{world['track_id']}", {"audio_hash": "0" * 64}),
        (f"/tracks/{world['track_id']}", {"album_id": "x"}),
    ):
        assert client.patch(base + path, json=body, headers=ours).status_code == 422, body
    r = client.put(
        f"{base}/albums/{world['album_id']}/availability",
        json={"availability": "premium", "role": "admin"},
        headers=ours,
    )
    assert r.status_code == 422
    with container.sessions() as s:
        assert s.scalar(select(User.role).where(User.username == "sneaky")) == "listener"
        assert s.scalar(select(User.label_id).where(User.username == "sneaky")) is None


def test_availability_via_the_api_is_enforced_on_streams(client: TestClient, world: dict[str, str]) -> None:
    ours, free = _h(client, "ours"), _h(client, "free")
    base = f"/api/label/{world['label_id']}/albums/{world['album_id']}/availability"
    r = client.put(base, json={"availability": "prerelease"}, headers=ours)
    assert r.status_code == 400 and r.json()["error"]["code"] == "release_at_required"
    opens = (AFTER + timedelta(days=7)).isoformat()
    r = client.put(base, json={"availability": "prerelease", "available_from": opens}, headers=ours)
    assert r.status_code == 200 and r.json()["availability"] == "prerelease"
    r = client.post(f"/api/tracks/{world['track_id']}/stream", json={}, headers=free)
    assert r.status_code == 403 and r.json()["error"]["code"] == "premium_required_prerelease"
    prerelease = "This pre-release is for Premium listeners until its release date."
    assert r.json()["error"]["message"] == prerelease  # probe23 F6: each refusal its own sentence
    assert (
        client.post(f"/api/tracks/{world['track_id']}/stream", json={}, headers=_h(client, "sub1")).status_code == 200
    )
    key = client.post("/api/me/devices", json={"name": "phone"}, headers=free).json()["api_key"]
    asked = {"apiKey": key, "id": f"tr-{world['track_id']}", "f": "json"}
    said = client.get("/rest/stream", params=asked).json()["subsonic-response"]["error"]
    assert said == {"code": 50, "message": f"{prerelease} (premium_required_prerelease)"}  # it was the bare code
    assert client.put(base, json={"availability": "premium"}, headers=ours).status_code == 200
    r = client.post(f"/api/tracks/{world['track_id']}/stream", json={}, headers=free)
    assert r.json()["error"] == {"code": "premium_required", "message": "This track is for Premium listeners."}


@pytest.mark.parametrize(
    ("name", "ascii_name", "encoded"),
    [
        ("東京レコード", "label", "%E6%9D%B1%E4%BA%AC%E3%83%AC%E3%82%B3%E3%83%BC%E3%83%89"),
        ("🎵 Beats", "Beats", "%F0%9F%8E%B5Beats"),
        ('Café "x"; filename=evil.exe', "Cafxfilenameevilexe", "Caf%C3%A9xfilenameevilexe"),
        ("Label\u202eexe.txt", "Labelexetxt", "Labelexetxt"),  # no right-to-left override
    ],
)
def test_a_statement_csv_downloads_whatever_the_label_is_called(
    client: TestClient, container: Container, world: dict[str, str], name: str, ascii_name: str, encoded: str
) -> None:
    """F17: a name that is not Latin-1 gave a 500 (header values are Latin-1 on the wire). RFC 6266: an
    ASCII `filename=` and the real name as `filename*=UTF-8''...`; no quote or `;` of the name gets through."""
    with transaction(container.sessions) as s:
        s.execute(update(Label).where(Label.public_id == world["theirs_label_id"]).values(name=name))
    r = client.get(f"/api/label/{world['theirs_label_id']}/statements/2026-11/csv", headers=_h(client, "theirs"))
    assert r.status_code == 200 and "'=Theirs Band" in r.text
    assert r.headers["content-disposition"] == (
        f"attachment; filename=\"statement-{ascii_name}-2026-11.csv\"; filename*=UTF-8''statement-{encoded}-2026-11.csv"
    )
    assert r.headers["content-disposition"].count(";") == 2


def test_streams_statements_csv_and_close(client: TestClient, container: Container, world: dict[str, str]) -> None:
    ours, theirs, root = _h(client, "ours"), _h(client, "theirs"), _h(client, "root")
    base = f"/api/label/{world['label_id']}"
    streams = client.get(f"{base}/streams?since=2026-11-01&until=2026-11-30", headers=ours).json()
    assert streams == [
        {"track_id": world["track_id"], "title": "Song A", "total": 4, "days": [{"date": "2026-11-10", "streams": 4}]}
    ]
    assert client.get(f"{base}/streams?since=2026-11-02&until=2026-11-01", headers=ours).status_code == 400
    assert client.get(f"{base}/statements/2026-13", headers=ours).status_code == 400

    st = client.get(f"{base}/statements/2026-11", headers=ours).json()
    assert (
        st["status"] == "open"
        and client.get("/api/admin/statements/2026-11", headers=root).json()["pool_cents"] == 4206
    )
    assert [(ln["artist"], ln["pro_rata_cents"], ln["user_centric_cents"]) for ln in st["lines"]] == [
        ("Ours Band", 2804, 2103)
    ]
    csv = client.get(f"/api/label/{world['theirs_label_id']}/statements/2026-11/csv", headers=theirs)
    assert csv.headers["content-type"].startswith("text/csv") and "attachment" in csv.headers["content-disposition"]
    assert "'=Theirs Band" in csv.text and "Ours Band" not in csv.text

    assert client.post("/api/admin/statements/2026-11/close", headers=ours).status_code == 404
    closed = client.post("/api/admin/statements/2026-11/close", headers=root)
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert client.post("/api/admin/statements/2026-11/close", headers=root).status_code == 409
    for other_digits in ("２０２６-11", "2026-１１"):  # the same month in other digits is no month: not closed again
        again = client.post(f"/api/admin/statements/{other_digits}/close", headers=root)
        assert again.status_code == 400 and again.json()["error"]["code"] == "bad_month", again.text
    with transaction(container.sessions) as s:
        sub2 = s.scalar(select(User).where(User.username == "sub2"))
        assert sub2 is not None
        track = s.scalar(select(Track).where(Track.public_id == world["track_id"]))
        assert track is not None
        for _ in range(3):
            play(s, sub2, track, ms=200_000, at=MID)
    again = client.get(f"{base}/statements/2026-11", headers=ours).json()
    assert again["status"] == "closed" and again["lines"] == st["lines"]
    assert client.get(f"{base}/statements", headers=ours).json()["closed"] == ["2026-11"]
    labels = client.get("/api/admin/labels", headers=root).json()
    assert {lb["name"] for lb in labels} >= {"Ours", "Theirs"}
    assert client.get("/api/admin/labels", headers=ours).status_code == 404
    assert client.get("/api/me/label", headers=ours).json()["id"] == world["label_id"]


def test_a_labels_statement_counts_its_own_streams_only(client: TestClient, world: dict[str, str]) -> None:
    """probe24b F5: each label saw the whole server's count of streams, so every label learnt the others' volume."""
    everyone = client.get("/api/admin/statements/2026-11", headers=_h(client, "root")).json()
    counts = []
    for who, label in (("ours", world["label_id"]), ("theirs", world["theirs_label_id"])):
        st = client.get(f"/api/label/{label}/statements/2026-11", headers=_h(client, who)).json()
        assert st["lines"] and st["streams"] == sum(ln["streams"] for ln in st["lines"])
        counts.append(st["streams"])
    assert 0 < counts[0] < everyone["streams"] and sum(counts) == everyone["streams"]


def _refund_after_november_closed(container: Container) -> None:
    """sub1 is refunded 10.00 of November's 30.00, and the clock moves on to December 20."""
    with transaction(container.sessions) as s:
        sub1 = s.scalar(select(User.id).where(User.username == "sub1"))
        s.execute(
            update(billing.Payment)
            .where(billing.Payment.user_id == sub1, billing.Payment.period_start == datetime(2026, 11, 1, tzinfo=UTC))
            .values(refunded_cents=1000)
        )
    container.clock = FixedClock(datetime(2026, 12, 20, tzinfo=UTC))


WHOLE_SERVER = {"pool_cents", "ad_cents", "subscription_cents", "user_centric_unallocated_cents", "late_cents"}


def test_a_labels_statement_shows_no_figure_the_whole_count_follows_from(
    client: TestClient, container: Container, world: dict[str, str]
) -> None:
    """review24n N1: pro_rata_cents = pool x own streams / all streams, so the whole pool beside a label's own
    streams and pro-rata cents gave every label's count back; so did a carried adjustment's whole amount. A label
    sees its own money and counts only; the admin's statement keeps the whole figures."""
    ours, root = _h(client, "ours"), _h(client, "root")
    base = f"/api/label/{world['label_id']}"
    assert client.post("/api/admin/statements/2026-11/close", headers=root).status_code == 200
    _refund_after_november_closed(container)  # December carries an adjustment
    everyone = client.get("/api/admin/statements/2026-11", headers=root).json()
    assert everyone["pool_cents"] == 4206 and everyone["streams"] == 6  # the admin's view is whole, as before
    for month in ("2026-11", "2026-12"):
        st = client.get(f"{base}/statements/{month}", headers=ours).json()
        assert not WHOLE_SERVER & st.keys(), st
        for adj in st["adjustments"]:
            assert not WHOLE_SERVER & adj.keys(), adj
        assert "42.06 EUR" not in " ".join(st["notes"])  # nor the pool in words
    [adj] = client.get(f"{base}/statements/2026-12", headers=ours).json()["adjustments"]
    assert (adj["kind"], adj["pro_rata_cents"], adj["user_centric_cents"]) == ("refunds after the close", -467, -700)
    nov = client.get(f"{base}/statements/2026-11", headers=ours).json()
    assert (nov["streams"], nov["pro_rata_cents"], nov["user_centric_cents"]) == (4, 2804, 2103)  # its own, kept


def test_a_refund_after_the_close_shows_in_the_next_statement_for_the_label_and_the_admin(
    client: TestClient, container: Container, world: dict[str, str]
) -> None:
    """sub1 (who streamed only Ours Band in November) is refunded 10.00 of November's 30.00 after November
    closed: November's statement stays; December's shows the 7.00 (x 70 %) going back, split by November's
    streams, in JSON, in its notes (what the label and admin pages print) and in the CSV."""
    ours, root = _h(client, "ours"), _h(client, "root")
    base = f"/api/label/{world['label_id']}"
    assert client.post("/api/admin/statements/2026-11/close", headers=root).status_code == 200
    nov = client.get(f"{base}/statements/2026-11", headers=ours).json()
    _refund_after_november_closed(container)
    assert client.get(f"{base}/statements/2026-11", headers=ours).json() == nov
    dec = client.get(f"{base}/statements/2026-12", headers=ours).json()
    [adj] = dec["adjustments"]
    assert (adj["for_month"], adj["kind"], adj["pro_rata_cents"], adj["user_centric_cents"]) == (
        "2026-11", "refunds after the close", -467, -700,
    )  # fmt: skip
    assert [(ln["artist"], ln["streams"]) for ln in adj["lines"]] == [("Ours Band", 4)]
    assert any(
        n.startswith("Adjustment, refunds after the close for 2026-11:") and "pro-rata -4.67 EUR" in n
        for n in dec["notes"]
    ), dec["notes"]
    rows = client.get(f"{base}/statements/2026-12/csv", headers=ours).text.splitlines()
    assert rows[0].endswith(",currency,late_for") and rows[1].endswith(",4,-467,-700,EUR,2026-11")
    admin = client.get("/api/admin/statements/2026-12", headers=root).json()
    assert admin["late_cents"] == -700 and admin["subscription_cents"] == 4200  # December's own money is untouched
    assert any(n.startswith("Adjustment, refunds after the close for 2026-11: -7.00 EUR") for n in admin["notes"])
    assert sum(ln["pro_rata_cents"] for ln in admin["adjustments"][0]["lines"]) == -700


def test_buy_clicks_are_counted_for_the_label(client: TestClient, world: dict[str, str]) -> None:
    ours = _h(client, "ours")
    assert client.get(f"/api/label/{world['label_id']}/buy-clicks", headers=ours).json() == {}
    for who in ("free", "free", "ours"):  # a listener's second click that day is not counted again
        r = client.post(f"/api/buy/track/{world['track_id']}/Bandcamp", headers=_h(client, who))
        assert r.status_code == 200, r.text
    assert client.get(f"/api/label/{world['label_id']}/buy-clicks", headers=ours).json() == {"Bandcamp": 2}
    theirs = client.get(f"/api/label/{world['theirs_label_id']}/buy-clicks", headers=_h(client, "theirs"))
    assert theirs.json() == {}


def test_edits_refuse_nothing_for_required_fields_and_may_clear_optional_ones(
    client: TestClient, world: dict[str, str]
) -> None:
    ours = _h(client, "ours")
    base = f"/api/label/{world['label_id']}"
    for path, body in (
        (f"/albums/{world['album_id']}", {"album_type": None}),
        (f"/albums/{world['album_id']}", {"title": None}),
        (f"/tracks/{world['track_id']}", {"explicit": None}),
        (f"/tracks/{world['track_id']}", {"track_number": None}),
    ):
        r = client.patch(base + path, json=body, headers=ours)
        assert r.status_code == 400 and r.json()["error"]["code"] in ("bad_field", "bad_title"), (body, r.text)
    for body in ({"isrc": "lower-case"}, {"isrc": "GBABC２６00001"}, {"track_number": 0}, {"title": "x" * 501}):
        assert client.patch(f"{base}/tracks/{world['track_id']}", json=body, headers=ours).status_code == 422
    odd_upc = client.patch(f"{base}/albums/{world['album_id']}", json={"upc": "０１２３４５６７８９０１"}, headers=ours)
    assert odd_upc.status_code == 422, odd_upc.text  # fullwidth digits: the pattern's \d took them
    r = client.patch(f"{base}/tracks/{world['track_id']}", json={"isrc": "GBABC2600001"}, headers=ours)
    assert r.status_code == 200 and r.json()["tracks"][0]["isrc"] == "GBABC2600001"
    for path, body, code in (  # probe16 F8, F9: the album and track edits follow the release form's rules
        (f"/albums/{world['album_id']}", {"release_date": "9999-12-31"}, "bad_release_date"),
        (f"/albums/{world['album_id']}", {"release_date": "0001-01-01"}, "bad_release_date"),
        (f"/albums/{world['album_id']}", {"title": "\u202e"}, "bad_title"),
        (f"/tracks/{world['track_id']}", {"title": "\u200b"}, "bad_title"),
        (f"/tracks/{world['track_id']}", {"title": "\u3164\u2800"}, "bad_title"),
        (f"/tracks/{world['track_id']}", {"title": "\u202ezltaW"}, "bad_title"),  # reads "Waltz": review24n N2
        (f"/albums/{world['album_id']}", {"title": "Best \u2066of\u2069"}, "bad_title"),
        (f"/tracks/{world['track_id']}", {"title": "a" + "\u0301" * 20}, "bad_title"),  # a tower: review31a L2
    ):
        r = client.patch(base + path, json=body, headers=ours)
        assert r.status_code == 400 and r.json()["error"]["code"] == code, (body, r.text)
    r = client.patch(f"{base}/tracks/{world['track_id']}", json={"isrc": None}, headers=ours)
    assert r.status_code == 200 and r.json()["tracks"][0]["isrc"] is None


@pytest.mark.parametrize(
    "query",
    [
        "until=9999-12-31",
        "since=9999-12-30&until=9999-12-31",
        "until=2026-13-01",
        "since=2026-11-30&until=2026-11-01",
        "since=2020-01-01&until=2026-11-30",
    ],
)
def test_streams_refuse_bad_date_ranges_with_400s(client: TestClient, world: dict[str, str], query: str) -> None:
    r = client.get(f"/api/label/{world['label_id']}/streams?{query}", headers=_h(client, "ours"))
    assert r.status_code in (400, 422), (query, r.status_code, r.text)
    base = f"/api/label/{world['label_id']}/streams"
    early = client.get(f"{base}?since=1970-01-01&until=1970-01-02", headers=_h(client, "ours"))
    assert early.status_code == 200 and early.json() == []  # a valid range with nothing in it


def test_a_renamed_release_is_found_by_its_new_name(client: TestClient, world: dict[str, str]) -> None:
    ours = _h(client, "ours")
    base = f"/api/label/{world['label_id']}"
    renames = ((f"albums/{world['album_id']}", "Zanzibar Nights"), (f"tracks/{world['track_id']}", "Quixotic Waltz"))
    for path, title in renames:
        assert client.patch(f"{base}/{path}", json={"title": title}, headers=ours).is_success

    def found(q: str, kind: str) -> set[str]:
        body = client.get("/api/search", params={"q": q, "type": kind}, headers=ours).json()
        return {item["id"] for item in body[f"{kind}s"]["items"]}

    assert world["album_id"] in found("zanzibar", "album")
    assert world["track_id"] in found("quixotic", "track")
    assert world["track_id"] in found("zanzibar", "track")  # a track is found by its album's name too
    assert world["album_id"] not in found("ours lp", "album")  # the old name no longer leads to it


def test_a_label_is_offered_the_same_year_of_statements_as_the_admin(
    client: TestClient, container: Container, world: dict[str, str]
) -> None:
    """review32b L7: a label's Statements list offered only the month running, the one before and the closed ones,
    though the admin's offers the twelve before the running one since session 31. The server now says the months:
    the label reads its own statement for each, and another label's for none of them."""
    ours, theirs, root = _h(client, "ours"), _h(client, "theirs"), _h(client, "root")
    base = f"/api/label/{world['label_id']}"
    assert client.post("/api/admin/statements/2025-06/close", headers=root).status_code == 200  # an older closed one
    months = client.get(f"{base}/statements", headers=ours).json()["months"]
    assert months == [
        "2026-12", "2026-11", "2026-10", "2026-09", "2026-08", "2026-07", "2026-06",
        "2026-05", "2026-04", "2026-03", "2026-02", "2026-01", "2025-12", "2025-06",
    ]  # fmt: skip
    for month in months:
        mine = client.get(f"{base}/statements/{month}", headers=ours)
        assert mine.status_code == 200 and mine.json()["month"] == month, mine.text
        assert client.get(f"{base}/statements/{month}", headers=theirs).status_code == 404
        assert client.get(f"{base}/statements/{month}/csv", headers=theirs).status_code == 404
