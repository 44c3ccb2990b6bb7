"""/v1/recommendations keeps each answer by its seeds' rows (a genre's spellings share one entry), limit and the
caller's class, with its finished JSON parts (`discovery.recommend`, `_recommendations`): whatever changes what
the caller may hear or what the recommender ranks changes the next answer of the very same request, and a refused
request is refused the same way whether a neighbouring one was kept or not. On SQLite and PostgreSQL, through the
app, at the public address (the only one answers are kept for)."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from encore import billing, discovery, exclusives
from encore.accounts import create_user
from encore.bootstrap import Container, build
from encore.catalog import Track
from encore.config import Settings
from encore.db import transaction
from encore.discovery import _hot
from encore.exclusives import Exclusive
from encore.kernel import FixedClock
from encore.web import create_app
from tests.catalog import factories as f
from tests.discovery.world import World, play
from tests.discovery.world import build as build_world
from tests.web.spotify.conftest import PASSWORD
from tests.web.spotify.flows import client_token, login, register_app, user_token

PUBLIC = "https://testserver"
NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


@dataclass
class Asking:
    c: Container
    clock: FixedClock
    client: TestClient
    world: World
    app_token: dict[str, str]

    def get(self, query: str, token: dict[str, str] | None = None) -> Any:
        return self.client.get(f"/v1/recommendations?{query}", headers=token or self.app_token)

    def names(self, query: str, token: dict[str, str] | None = None) -> list[str]:
        r = self.get(query, token)
        assert r.status_code == 200, r.text
        return [t["name"] for t in r.json()["tracks"]]

    def user(self) -> dict[str, str]:
        """A fresh user token for `dev` (a token lives an hour: tests that move the clock ask again)."""
        login(self.client, "dev", PASSWORD)
        got = user_token(self.client, register_app(self.client, name="listening app"))
        return {"Authorization": f"Bearer {got['access_token']}"}


@pytest.fixture
def asking(settings: Settings) -> Iterator[Asking]:
    clock = FixedClock(NOW)
    c = build(settings.model_copy(update={"public_base_url": PUBLIC + "/"}), clock=clock)
    with transaction(c.sessions) as s:
        w = build_world(s, NOW)
        track = s.get(Track, w.track_rows["B1"])
        assert track is not None
        track.album.label_id = f.label(s, "Bo Records").id  # B1's label may attach exclusives to it
        create_user(s, username="dev", password=PASSWORD, display_name="Dev")
    try:
        with TestClient(create_app(c), base_url=PUBLIC) as client:
            login(client, "dev", PASSWORD)
            token = {"Authorization": f"Bearer {client_token(client, register_app(client))}"}
            yield Asking(c, clock, client, w, token)
    finally:
        c.close()


def _kept_answers(asking: Asking) -> int:
    """How many /v1/recommendations answers the app keeps (its catalogue cache's)."""
    kept = _hot._BY_CACHE.get(asking.c.catalogue_cache)
    if kept is None:
        return 0
    with kept._lock:
        return sum(1 for k in kept._items if isinstance(k, tuple) and k[:2] == ("face", "v1/recommendations"))


def test_a_request_asked_again_is_answered_from_what_was_kept(asking: Asking) -> None:
    a1 = asking.world.tracks["A1"]
    before = _kept_answers(asking)
    first = asking.get(f"seed_tracks={a1}&limit=5")
    assert first.status_code == 200 and _kept_answers(asking) == before + 1
    assert [asking.get(f"seed_tracks={a1}&limit=5").content for _ in range(3)] == [first.content] * 3
    assert _kept_answers(asking) == before + 1
    # Two spellings of one genre rank alike, and each answer names its seed as it was sent
    spelled = [asking.get(f"seed_genres={g}").json() for g in ("hip-hop", "Hip%20Hop")]
    assert [s["seeds"][0]["id"] for s in spelled] == ["hip-hop", "Hip Hop"]
    assert spelled[0]["tracks"] == spelled[1]["tracks"]


def test_a_premium_lapse_changes_the_same_requests_answer(asking: Asking) -> None:
    a1 = asking.world.tracks["A1"]
    with transaction(asking.c.sessions) as s:
        billing.grant_premium(s, user_public_id=_dev(asking), plan="premium", days=1, now=NOW)
    premium = asking.user()
    assert "P1" in asking.names(f"seed_tracks={a1}", premium)  # kept for Premium
    assert "P1" not in asking.names(f"seed_tracks={a1}")  # and for client credentials (nobody's Premium)
    asking.clock.advance(24 * 3600 + 1)  # the period runs out, with no write
    lapsed = asking.user()
    assert "P1" not in asking.names(f"seed_tracks={a1}", lapsed)
    with transaction(asking.c.sessions) as s:
        billing.grant_premium(s, user_public_id=_dev(asking), plan="premium", days=30, now=asking.clock.now())
    assert "P1" in asking.names(f"seed_tracks={a1}", lapsed)
    with transaction(asking.c.sessions) as s:
        billing.revoke_premium(s, user_public_id=_dev(asking), now=asking.clock.now())
    assert "P1" not in asking.names(f"seed_tracks={a1}", lapsed)


def _dev(asking: Asking) -> str:
    from encore.accounts import get_user_by_name

    with asking.c.sessions() as s:
        user = get_user_by_name(s, username="dev")
        assert user is not None
        return user.public_id


def test_an_exclusive_changes_the_same_requests_answer(asking: Asking) -> None:
    query = f"seed_tracks={asking.world.tracks['A1']}"
    assert asking.names(query)[0] == "B1"
    with transaction(asking.c.sessions) as s:
        track = s.get(Track, asking.world.track_rows["B1"])
        assert track is not None and track.album.label_id is not None
        exclusives.create_exclusive(
            s, label_id=track.album.label_id, kind="demo", title="Bo's demo", description="", artist_id=None,
            album_id=track.album.public_id, track_id=track.public_id, availability=billing.Availability.PREMIUM,
            release_at=None, now=NOW,
        )  # fmt: skip
    assert "B1" not in asking.names(query)
    with transaction(asking.c.sessions) as s:
        s.delete(s.scalars(select(Exclusive)).one())
    assert asking.names(query)[0] == "B1"


def test_an_opt_out_changes_the_same_requests_answer(asking: Asking) -> None:
    w = asking.world
    with transaction(asking.c.sessions) as s:
        for n, user in enumerate(w.users[:5]):
            play(s, user, w.track_rows["C2"], NOW, 300 + n)
        discovery.train(s, now=NOW)
    assert asking.names("seed_genres=jazz")[0] == "C2"  # five listeners: C2 ranks first (kept)
    with transaction(asking.c.sessions) as s:
        discovery.set_preferences(s, user_id=w.users[0], now=NOW, contribute=False)
    assert asking.names("seed_genres=jazz")[0] == "C1"  # four left: C2's listens rank nothing


def test_a_catalogue_change_changes_the_same_requests_answer(asking: Asking) -> None:
    w = asking.world
    assert asking.names(f"seed_tracks={w.tracks['A1']}")[0] == "B1"
    assert asking.get(f"seed_tracks={w.tracks['B1']}").status_code == 200  # kept as a valid seed
    with transaction(asking.c.sessions) as s:
        track = s.get(Track, w.track_rows["B1"])
        assert track is not None
        track.is_ad = True
    assert "B1" not in asking.names(f"seed_tracks={w.tracks['A1']}")
    refused = asking.get(f"seed_tracks={w.tracks['B1']}")
    assert refused.status_code == 400 and refused.json()["error"]["message"] == f"invalid track seed: {w.tracks['B1']}"


HOSTILE = [
    ("", "at least one seed (seed_tracks, seed_artists or seed_genres) is required"),
    ("seed_tracks=,,,", "at least one seed (seed_tracks, seed_artists or seed_genres) is required"),
    ("seed_tracks={A1},{A1},{A1},{A1},{A1},{A1}", "at most 5 seeds in all are allowed; 6 were given"),
    ("seed_tracks={A1},{B1},{A1}&seed_artists={Ada},{Ada}&seed_genres=jazz", "at most 5 seeds in all are allowed; "
     "6 were given"),
    ("seed_tracks=" + ",".join(["{A1}"] * 100), "seed_tracks: String should have at most 2000 characters"),
    ("seed_tracks=" + "A" * 22, "invalid track seed: " + "A" * 22),
    ("seed_tracks=not-an-id!", "invalid track seed: not-an-id!"),
    ("seed_tracks={A1}&seed_tracks=" + "A" * 22, "invalid track seed: " + "A" * 22),  # the last one counts
    ("seed_artists=" + "B" * 22, "invalid artist seed: " + "B" * 22),
    ("seed_genres=polka", "invalid genre seed: polka"),
    ("seed_genres=ja%00zz", "invalid genre seed: it holds a NUL character"),
    ("seed_tracks={A1}&limit=0", "limit: Input should be greater than or equal to 1"),
    ("seed_tracks={A1}&limit=101", "limit: Input should be less than or equal to 100"),
    ("seed_tracks={A1}&limit=-1", "limit: Input should be greater than or equal to 1"),
    ("seed_tracks={A1}&limit=99999999999999999999999", "limit: Input should be less than or equal to 100"),
    ("seed_tracks={A1}&limit=abc", "limit: Input should be a valid integer, unable to parse string as an integer"),
    ("seed_tracks={A1}&limit=5&limit=500", "limit: Input should be less than or equal to 100"),
    ("seed_tracks={A1}&market=" + "x" * 11, "market: String should have at most 10 characters"),
]  # fmt: skip


def _filled(asking: Asking, query: str) -> str:
    w = asking.world
    return query.format(A1=w.tracks["A1"], B1=w.tracks["B1"], Ada=w.artists["Ada"])


@pytest.mark.parametrize(("query", "message"), HOSTILE)
def test_hostile_requests_are_refused_alike_before_and_after_a_kept_answer(
    asking: Asking, query: str, message: str
) -> None:
    asked = _filled(asking, query)
    kept_before = _kept_answers(asking)
    refusals = [asking.get(asked)]
    assert asking.get(_filled(asking, "seed_tracks={A1},{B1}&seed_artists={Ada}&limit=5")).status_code == 200
    refusals.append(asking.get(asked))  # now with neighbouring answers kept
    assert [r.status_code for r in refusals] == [400, 400]
    assert [r.json() for r in refusals] == [{"error": {"status": 400, "message": message}}] * 2
    assert _kept_answers(asking) == kept_before + 1  # a refusal is never kept


@pytest.mark.parametrize(
    "query",
    [
        # tunables in Spotify's ranges are read and not used for picking (a malformed one is refused: 400,
        # test_v1_error_shapes)
        "seed_tracks={A1}&target_energy=0.5&min_tempo=90&max_popularity=80&target_valence=1",
        "seed_tracks={B1}&seed_tracks={A1}",
        "seed_tracks={A1}&limit=500&limit=20",
        "seed_tracks=%20{A1}%20,%20",
    ],
)
def test_ignored_and_repeated_parameters_get_the_plain_requests_answer(asking: Asking, query: str) -> None:
    plain = asking.get(_filled(asking, "seed_tracks={A1}"))
    assert plain.status_code == 200
    for _ in range(2):
        assert asking.get(_filled(asking, query)).json() == plain.json()


def test_spellings_of_a_genre_share_one_kept_answer_and_each_is_named_as_sent(asking: Asking) -> None:
    a1 = asking.world.tracks["A1"]
    before = _kept_answers(asking)
    sent = ["hip-hop", "Hip%20Hop", "HIP-HOP", "hip%20%20hop", "%20Hip-Hop%20", "hip-hop"]
    named = ["hip-hop", "Hip Hop", "HIP-HOP", "hip  hop", "Hip-Hop", "hip-hop"]  # stripped, as every seed is
    for query in ("seed_genres={}&limit=7", f"seed_tracks={a1}&seed_genres={{}}&limit=7"):
        answers = [asking.get(query.format(g)) for g in sent]
        assert [r.status_code for r in answers] == [200] * len(sent)
        assert [r.json()["seeds"][-1]["id"] for r in answers] == named
        first = answers[0].content
        assert b'"tracks":[{' in first
        for answer, name in zip(answers, named, strict=True):  # the same bytes but the seed's name
            spelt = f'"id":"{name}","initialPool'.encode()
            assert answer.content == first.replace(b'"id":"hip-hop","initialPool', spelt)
    assert _kept_answers(asking) == before + 2  # one entry per answer (genre alone, track and genre), not per spelling


def test_a_seed_longer_than_any_id_shares_its_genres_kept_answer(asking: Asking) -> None:
    """The genre seed "hip" and "hop" with 150 spaces between is the genre Hip Hop (names fold their spacing):
    answered as "hip-hop" is, under the same kept entry (kept by the genre's row, which no spelling can vary)."""
    before = _kept_answers(asking)
    spaced = "hip" + "%20" * 150 + "hop"
    answers = [asking.get(f"seed_genres={spaced}") for _ in range(2)]
    assert [r.status_code for r in answers] == [200, 200] and answers[0].content == answers[1].content
    assert answers[0].json()["seeds"][0]["id"] == "hip" + " " * 150 + "hop"
    assert answers[0].json()["tracks"] == asking.get("seed_genres=hip-hop").json()["tracks"]
    assert _kept_answers(asking) == before + 1
