"""Track numbers of a label's release (probe23 F4): untagged masters named "Artist - Release - 01 Title.wav"
were all track 1, titled with the whole name, and a release of duplicate numbers published. Now the name
numbers and titles an untagged file (tags win), the draft's form sets numbers with a sentence per bad value,
and publish refuses two tracks with one number, naming them."""

import io
import json
from pathlib import Path

import pytest
from sqlalchemy import update

from encore.catalog import Track
from encore.db import transaction
from tests.ingest import corpus as c
from tests.web.test_label_drafts_api import SQLITE, Desk, desk

__all__ = ["desk"]
PREFIX = "Probe Artist - Probe Release - "


@pytest.fixture(scope="module")
def wavs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    d = tmp_path_factory.mktemp("numbers")
    return {str(i): c.write_wav(d / f"{i}.wav", c.tone(1.0, 300 + 70 * i, seed=i)).read_bytes() for i in range(1, 4)}


def _upload(desk: Desk, name: str, data: bytes) -> str:
    r = desk.client.post(f"{desk.base}/uploads", files={"file": (name, io.BytesIO(data))}, headers=desk.ours)
    assert r.status_code == 200 and r.json()["imported"] == 1, r.text
    (album_id,) = r.json()["releases"]
    return str(album_id)


def _tracks(desk: Desk, album_id: str) -> list[tuple[int, int, str]]:
    tracks = desk.release(album_id)["tracks"]
    return sorted((t["disc_number"], t["track_number"], t["title"]) for t in tracks)  # type: ignore[attr-defined]


def _ready(desk: Desk, album_id: str) -> None:
    r = desk.save(album_id, {"title": "Probe Release", "artists": ["Probe Artist"], "release_date": "2026-11-20"})
    assert r.status_code == 200, r.text  # type: ignore[attr-defined]


def test_untagged_masters_are_numbered_and_titled_from_their_names(
    desk: Desk, wavs: dict[str, bytes], tmp_path: Path
) -> None:
    album_id = _upload(desk, f"{PREFIX}02 Song 2.wav", wavs["2"])
    assert _upload(desk, f"{PREFIX}01 Song 1.wav", wavs["1"]) == album_id
    tagged = c.write_flac(tmp_path / "t.flac", c.tone(1.0, 900), title="Tagged", tracknumber="3", album="Unknown Album")
    assert _upload(desk, f"{PREFIX}07 Named Otherwise.flac", tagged.read_bytes()) == album_id  # tags win
    assert _tracks(desk, album_id) == [(1, 1, "Song 1"), (1, 2, "Song 2"), (1, 3, "Tagged")]
    _ready(desk, album_id)
    published = desk.act(album_id, "publish")
    assert published.status_code == 200, published.text  # type: ignore[attr-defined]

    # A released release gains no duplicate through the track edit either (the probe's PATCH answered 200).
    song2 = next(t["id"] for t in desk.release(album_id)["tracks"] if t["title"] == "Song 2")  # type: ignore[attr-defined]
    taken = desk.client.patch(f"{desk.base}/tracks/{song2}", json={"track_number": 1}, headers=desk.ours)
    assert taken.status_code == 409, taken.text
    assert taken.json()["error"] == {"code": "number_taken", "message": "Track 1 is already “Song 1”."}
    assert _tracks(desk, album_id) == [(1, 1, "Song 1"), (1, 2, "Song 2"), (1, 3, "Tagged")]
    moved = {"track_number": 1, "disc_number": 2}  # another disc's track 1 is free
    assert desk.client.patch(f"{desk.base}/tracks/{song2}", json=moved, headers=desk.ours).status_code == 200
    assert _tracks(desk, album_id) == [(1, 1, "Song 1"), (1, 3, "Tagged"), (2, 1, "Song 2")]


@SQLITE
def test_a_name_without_a_clear_number_keeps_its_name(desk: Desk, wavs: dict[str, bytes]) -> None:
    album_id = _upload(desk, "2024 Remaster\x1b[2J.wav", wavs["1"])
    assert _upload(desk, "Side B - 1-02 Deep Cut.wav", wavs["2"]) == album_id
    assert _tracks(desk, album_id) == [(1, 1, "2024 Remaster[2J"), (1, 2, "Deep Cut")]


def test_publish_refuses_duplicate_numbers_until_the_form_sets_them(desk: Desk, wavs: dict[str, bytes]) -> None:
    album_id = _upload(desk, "Morning.wav", wavs["1"])
    assert _upload(desk, "Evening.wav", wavs["2"]) == album_id
    _ready(desk, album_id)
    refused = desk.act(album_id, "publish")
    assert refused.status_code == 400  # type: ignore[attr-defined]
    error = refused.json()["error"]  # type: ignore[attr-defined]
    ids = {t["title"]: t["id"] for t in desk.release(album_id)["tracks"]}  # type: ignore[attr-defined]
    sentence = "“Morning” and “Evening” are both track 1: give each track its own number."
    assert error["message"] == sentence  # said once, though it is next to both tracks
    assert error["fields"] == {f"tracks.{ids[t]}.track_number": sentence for t in ("Morning", "Evening")}
    assert desk.release(album_id)["status"] == "draft"

    swap = [{"id": ids["Morning"], "track_number": "2"}, {"id": ids["Evening"], "track_number": 1}]
    saved = desk.save(album_id, {"tracks": swap})
    assert saved.status_code == 200, saved.text  # type: ignore[attr-defined]
    assert _tracks(desk, album_id) == [(1, 1, "Evening"), (1, 2, "Morning")]
    assert desk.act(album_id, "publish").status_code == 200  # type: ignore[attr-defined]


@SQLITE
def test_the_form_refuses_a_number_that_is_not_one_next_to_the_track(desk: Desk, wavs: dict[str, bytes]) -> None:
    album_id = _upload(desk, "03 Only.wav", wavs["3"])
    (track,) = desk.release(album_id)["tracks"]  # type: ignore[misc]
    tid = track["id"]
    assert track["track_number"] == 3
    bad: list[object] = [0, -1, 1000, 10**30, 1.5, 2.0, "abc", "0", "-4", "1e3", "٣", "", "x" * 40, float("1e300")]
    for value in bad:
        r = desk.save(album_id, {"tracks": [{"id": tid, "track_number": value, "title": "Renamed"}]})
        assert r.status_code == 400, (value, r.text)  # type: ignore[attr-defined]
        fields = r.json()["error"]["fields"]  # type: ignore[attr-defined]
        assert list(fields) == [f"tracks.{tid}.track_number"], value
        assert fields[f"tracks.{tid}.track_number"].startswith(("A track number is a whole number", "Give this")), value
    disc = desk.save(album_id, {"tracks": [{"id": tid, "disc_number": "100"}]})
    assert disc.json()["error"]["fields"] == {
        f"tracks.{tid}.disc_number": "A disc number is a whole number from 1 to 99."
    }  # type: ignore[attr-defined]
    assert _tracks(desk, album_id) == [(1, 3, "Only")]  # nothing of a refused form is kept
    ok = desk.save(album_id, {"tracks": [{"id": tid, "track_number": " 12 ", "disc_number": 2}]})
    assert ok.status_code == 200, ok.text  # type: ignore[attr-defined]
    assert _tracks(desk, album_id) == [(2, 12, "Only")]


def test_a_value_no_form_sends_gets_the_numbers_sentence_next_to_its_track(desk: Desk, wavs: dict[str, bytes]) -> None:
    """review23n F8: true, [1], {} got a 422 naming pydantic's union branches ("Int must be a number", fields
    int/float/constrained-str) without the track's path, and a 5000-digit integer a bare "error parsing the body"."""
    album_id = _upload(desk, "02 Odd.wav", wavs["2"])
    (track,) = desk.release(album_id)["tracks"]  # type: ignore[misc]
    tid = track["id"]
    sentences = {
        "track_number": "A track number is a whole number from 1 to 999.",
        "disc_number": "A disc number is a whole number from 1 to 99.",
    }
    odd: list[object] = [True, False, [1], [], {}, {"n": 1}, "x" * 41, "1" * 5000, 10**200, -(10**200)]
    for field, sentence in sentences.items():
        for value in odd:
            r = desk.save(album_id, {"tracks": [{"id": tid, field: value, "title": "Renamed"}]})
            assert r.status_code == 400, (field, value, r.text[:300])  # type: ignore[attr-defined]
            assert r.json()["error"]["fields"] == {f"tracks.{tid}.{field}": sentence}, (field, value)  # type: ignore[attr-defined]
    url = f"{desk.base}/releases/{album_id}"
    for field in sentences:  # the standard library will not read it: said as such, not "error parsing the body"
        raw = json.dumps({"tracks": [{"id": tid, field: 0}]}).replace(": 0}", ": " + "9" * 5000 + "}")
        r = desk.client.patch(url, content=raw, headers={**desk.ours, "content-type": "application/json"})
        assert r.status_code == 422, r.text[:300]
        said = f"{field.replace('_', ' ').capitalize()} is a number too long to read (over 4300 digits): no Encore"
        assert r.json()["error"] == {
            "code": "invalid",
            "message": f"{said} field takes one.",
            "fields": {field: f"{said} field takes one."},
        }
    assert _tracks(desk, album_id) == [(1, 2, "Odd")]  # nothing of a refused form is kept
    assert desk.save(album_id, {"tracks": [{"id": tid, "track_number": 4, "disc_number": 2.0}]}).status_code == 400  # type: ignore[attr-defined]
    assert desk.save(album_id, {"tracks": [{"id": tid, "track_number": 4, "disc_number": "2"}]}).status_code == 200  # type: ignore[attr-defined]
    assert _tracks(desk, album_id) == [(2, 4, "Odd")]


@SQLITE
def test_a_withdrawn_release_from_before_the_rule_is_published_again_as_it_was(
    desk: Desk, wavs: dict[str, bytes]
) -> None:
    """Releases published before the rule may hold two track 1s, and the portal renumbers only a draft's tracks:
    "Publish again" must not be refused for what the label has no field to mend."""
    album_id = _upload(desk, "01 Morning.wav", wavs["1"])
    assert _upload(desk, "02 Evening.wav", wavs["2"]) == album_id
    _ready(desk, album_id)
    assert desk.act(album_id, "publish").status_code == 200  # type: ignore[attr-defined]
    assert desk.act(album_id, "withdraw").status_code == 200  # type: ignore[attr-defined]
    with transaction(desk.container.sessions) as s:  # as the old ingest numbered untagged files
        s.execute(update(Track).where(Track.title.in_(["Morning", "Evening"])).values(track_number=1))
    again = desk.act(album_id, "publish")
    assert again.status_code == 200, again.text  # type: ignore[attr-defined]
    assert _tracks(desk, album_id) == [(1, 1, "Evening"), (1, 1, "Morning")]


def _numbers(desk: Desk, album_id: str, tracks: list[dict[str, object]]) -> "object":
    return desk.client.put(f"{desk.base}/releases/{album_id}/numbers", json={"tracks": tracks}, headers=desk.ours)


def test_a_published_release_with_shared_numbers_is_mended_and_two_numbers_swap_in_one_request(
    desk: Desk, wavs: dict[str, bytes]
) -> None:
    """A release published before publish refused shared numbers holds two track 1s; its fields showed nowhere (only
    a draft's form had them) and the one-track edit refuses a taken number, so neither a mend onto a taken place
    nor a swap could pass. The numbers route sets them together; each moved track must end on a place of its own."""
    album_id = _upload(desk, "01 Morning.wav", wavs["1"])
    assert _upload(desk, "02 Evening.wav", wavs["2"]) == album_id
    assert _upload(desk, "03 Noon.wav", wavs["3"]) == album_id
    _ready(desk, album_id)
    assert desk.act(album_id, "publish").status_code == 200  # type: ignore[attr-defined]
    with transaction(desk.container.sessions) as s:  # as the old ingest numbered untagged files
        s.execute(update(Track).where(Track.title.in_(["Morning", "Evening"])).values(track_number=1))
        s.execute(update(Track).where(Track.title == "Noon").values(track_number=2))
    ids = {t["title"]: t["id"] for t in desk.release(album_id)["tracks"]}  # type: ignore[attr-defined]

    alone = _numbers(desk, album_id, [{"id": ids["Evening"], "track_number": 2}])  # onto Noon's place
    assert alone.status_code == 400, alone.text  # type: ignore[attr-defined]
    sentence = "“Evening” and “Noon” are both track 2: give each track its own number."
    fields = alone.json()["error"]["fields"]  # type: ignore[attr-defined]
    assert fields == {f"tracks.{ids[t]}.track_number": sentence for t in ("Evening", "Noon")}
    assert _tracks(desk, album_id) == [(1, 1, "Evening"), (1, 1, "Morning"), (1, 2, "Noon")]  # nothing kept

    mended = _numbers(
        desk, album_id, [{"id": ids["Evening"], "track_number": 2}, {"id": ids["Noon"], "track_number": "3"}]
    )
    assert mended.status_code == 200, mended.text  # type: ignore[attr-defined]
    assert _tracks(desk, album_id) == [(1, 1, "Morning"), (1, 2, "Evening"), (1, 3, "Noon")]
    swap = [{"id": ids["Morning"], "track_number": 2}, {"id": ids["Evening"], "track_number": 1}]
    assert _numbers(desk, album_id, swap).status_code == 200  # type: ignore[attr-defined]
    assert _tracks(desk, album_id) == [(1, 1, "Evening"), (1, 2, "Morning"), (1, 3, "Noon")]
    heard = desk.client.get(f"/api/albums/{album_id}", headers=desk.fan).json()["tracks"]
    assert [(t["track_number"], t["title"]) for t in heard] == [(1, "Evening"), (2, "Morning"), (3, "Noon")]
    assert desk.release(album_id)["status"] == "published"


@SQLITE
def test_the_numbers_route_refuses_odd_values_strays_and_taken_down_releases(
    desk: Desk, wavs: dict[str, bytes]
) -> None:
    from encore import incident

    album_id = _upload(desk, "01 Morning.wav", wavs["1"])
    _ready(desk, album_id)
    assert desk.act(album_id, "publish").status_code == 200  # type: ignore[attr-defined]
    other = _upload(desk, "01 Far.wav", wavs["2"])  # a draft of its own: the release above is published
    assert other != album_id
    (tid,) = (t["id"] for t in desk.release(album_id)["tracks"])  # type: ignore[attr-defined]
    (far,) = (t["id"] for t in desk.release(other)["tracks"])  # type: ignore[attr-defined]
    for value in [0, -1, 1000, 1.5, True, [1], {}, "abc", "", "x" * 41, 10**200]:
        r = _numbers(desk, album_id, [{"id": tid, "track_number": value}])
        assert r.status_code == 400, (value, r.text)  # type: ignore[attr-defined]
        assert list(r.json()["error"]["fields"]) == [f"tracks.{tid}.track_number"], value  # type: ignore[attr-defined]
    disc = _numbers(desk, album_id, [{"id": tid, "disc_number": 100}])
    assert disc.json()["error"]["fields"] == {
        f"tracks.{tid}.disc_number": "A disc number is a whole number from 1 to 99."
    }  # type: ignore[attr-defined]
    stray = _numbers(desk, album_id, [{"id": far, "track_number": 5}])  # a track of another release
    assert stray.status_code == 400 and stray.json()["error"]["fields"] == {
        "tracks": "A track in the form is not on this release."
    }  # type: ignore[attr-defined]
    assert _numbers(desk, album_id, []).status_code == 422  # type: ignore[attr-defined]
    theirs = desk.client.put(
        f"{desk.their_base}/releases/{album_id}/numbers",
        json={"tracks": [{"id": tid, "track_number": 4}]},
        headers=desk.theirs,
    )
    assert theirs.status_code == 404
    assert _tracks(desk, album_id) == [(1, 1, "Morning")] and _tracks(desk, other) == [(1, 1, "Far")]
    with transaction(desk.container.sessions) as s:
        incident.withdraw_album(s, album_id=album_id, actor_id=None, now=desk.container.clock.now(), reason="notice")
    held = _numbers(desk, album_id, [{"id": tid, "track_number": 4}])
    assert held.status_code == 409 and held.json()["error"]["code"] == "taken_down"  # type: ignore[attr-defined]
    assert _tracks(desk, album_id) == [(1, 1, "Morning")]
