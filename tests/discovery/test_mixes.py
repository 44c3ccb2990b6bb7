"""Mixes built from the discovery world: Daily Mix, Discover Weekly and Release Radar; cold start, a one-track
catalogue, nothing playable, opt-outs, another listener's mix, saving twice, the job's schedule."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from encore import catalog, discovery, history, library
from encore.bootstrap import Container
from encore.catalog import Album
from encore.db import transaction
from encore.history import Play
from encore.kernel import NotFound
from tests.catalog import factories as f
from tests.discovery.world import World, build, hidden_listens, listener, play

NOW = datetime(2026, 3, 4, 12, tzinfo=UTC)  # a Wednesday


@pytest.fixture
def world(container: Container) -> World:
    with transaction(container.sessions) as s:
        return build(s, NOW)


def _mixes(container: Container, user: int, now: datetime = NOW) -> dict[str, list[str]]:
    with transaction(container.sessions) as s:
        views = discovery.my_mixes(s, user_id=user, now=now)
        return {v.title: [t.title for t in catalog.track_views_in_order(s, v.track_ids)] for v in views}


def test_a_listener_gets_a_daily_mix_discover_and_radar_without_ads_or_locked_tracks(
    container: Container, world: World
) -> None:
    mixes = _mixes(container, world.users[0])  # fan0 played A1, B1, P1 and the ad
    assert set(mixes) == {"Daily Mix 1", "Discover Weekly", "Release Radar"}
    daily = mixes["Daily Mix 1"]
    assert {"A1", "B1"} <= set(daily) and not {"AD", "P1"} & set(daily)  # familiar first, then new
    assert daily[:2] in (["B1", "A2"], ["A1", "B2"], ["B1", "B2"], ["A1", "A2"])
    assert mixes["Discover Weekly"] and not {"A1", "B1", "P1", "AD"} & set(mixes["Discover Weekly"])
    assert set(mixes["Release Radar"]) == {"A1", "A2", "B1", "B2"}  # Ada's and Bo's releases; Cy is not theirs
    with transaction(container.sessions) as s:
        (view,) = [v for v in discovery.my_mixes(s, user_id=world.users[0], now=NOW) if v.kind == "daily"]
        assert "Hip Hop" in view.description and "Ada" in view.description


def test_premium_listener_hears_the_premium_album_in_their_mixes(container: Container, world: World) -> None:
    from encore import billing

    with transaction(container.sessions) as s:
        billing.grant_premium(s, user_public_id=world.user_public[0], plan="premium", days=30, now=NOW)
    assert "P1" in _mixes(container, world.users[0])["Daily Mix 1"]


def test_cold_start_no_daily_mix_but_a_discover_of_popular_tracks_by_genre(container: Container, world: World) -> None:
    with transaction(container.sessions) as s:
        new = listener(s, "newcomer").id
    mixes = _mixes(container, new)
    assert set(mixes) == {"Discover Weekly"}  # no history: no Daily Mix; no artists: Release Radar is empty
    discover = mixes["Discover Weekly"]
    assert discover[0] == "A1" and discover[1] in {"C1", "C2"}  # Hip Hop's most listened, then Jazz's
    assert not {"AD", "P1"} & set(discover)


def test_opted_out_listeners_keep_their_mixes_but_no_longer_make_others_popular(
    container: Container, world: World
) -> None:
    with transaction(container.sessions) as s:
        for u in world.users[:2]:  # A1 and B1 now rest on 4 contributing listeners: below the floor
            discovery.set_preferences(s, user_id=u, now=NOW, contribute=False)
        new = listener(s, "newcomer").id
    assert _mixes(container, new)["Discover Weekly"][0] == "A2"
    assert "Daily Mix 1" in _mixes(container, world.users[0])  # their own history still makes their mix


def test_nothing_playable_gives_no_mixes_and_no_error(container: Container, world: World) -> None:
    with transaction(container.sessions) as s:
        s.execute(update(Album).values(availability="premium"))
    assert _mixes(container, world.users[0]) == {}


def test_another_listeners_mix_is_not_found_and_saving_twice_keeps_one_playlist(
    container: Container, world: World
) -> None:
    a, b = world.users[0], world.users[1]
    with transaction(container.sessions) as s:
        mine = discovery.my_mixes(s, user_id=a, now=NOW)[0]
        for bad in (mine.id, "A" * 22, "x\x00"):
            with pytest.raises(NotFound):
                discovery.mix(s, user_id=b, mix_id=bad, now=NOW)
        with pytest.raises(NotFound):
            discovery.save_mix(s, user_id=b, mix_id=mine.id, now=NOW)
        first = discovery.save_mix(s, user_id=a, mix_id=mine.id, now=NOW)
        again = discovery.save_mix(s, user_id=a, mix_id=mine.id, now=NOW)
        assert first.created and not again.created and again.playlist_id == first.playlist_id
        saved = library.playlist_items(s, playlist_id=first.playlist_id, viewer_id=a, limit=100, offset=0)
        assert [i.track.id for i in saved.items] == [t.id for t in catalog.track_views_in_order(s, mine.track_ids)]
        library.delete_playlist(s, playlist_id=first.playlist_id, user_id=a)
        third = discovery.save_mix(s, user_id=a, mix_id=mine.id, now=NOW)
        assert third.created and third.playlist_id != first.playlist_id


def test_a_catalogue_of_one_track(container: Container) -> None:
    with transaction(container.sessions) as s:
        solo = f.artist(s, "Solo")
        only = f.track(s, "Only", f.album(s, "One", solo, released=NOW.date()), [solo])
        fan, newcomer = listener(s, "fan").id, listener(s, "newcomer").id
        play(s, fan, only.id, NOW, 1)
        s.flush()
        discovery.train(s, now=NOW)
    assert _mixes(container, newcomer) == {"Discover Weekly": ["Only"]}
    fan_mixes = _mixes(container, fan)
    assert fan_mixes["Daily Mix 1"] == ["Only"] and "Discover Weekly" not in fan_mixes  # nothing new to discover


def test_the_job_builds_what_is_due_once_and_weekly_mixes_next_week(container: Container, world: World) -> None:
    first = discovery.build_all(container.sessions, now=NOW)
    assert first["listeners"] == first["built"] == len(world.users)
    assert discovery.build_all(container.sessions, now=NOW + timedelta(hours=1))["built"] == 0  # idempotent
    with container.sessions() as s:
        tomorrow = discovery.due_kinds(s, user_id=world.users[0], now=NOW + timedelta(days=1))
        monday = discovery.due_kinds(s, user_id=world.users[0], now=NOW + timedelta(days=5))
    assert tomorrow == ["daily"] and monday == ["daily", "discover", "radar"]


def test_a_withdrawn_track_leaves_a_stored_mix_and_the_mix_still_saves(container: Container, world: World) -> None:
    before = _mixes(container, world.users[0])["Daily Mix 1"]
    assert {"A1", "B1"} <= set(before)
    with transaction(container.sessions) as s:  # Bo Two (B1, B2) withdrawn after the mix was stored
        album = s.get(Album, s.get(catalog.Track, world.track_rows["B1"]).album_id)  # type: ignore[union-attr]
        assert album is not None
        catalog.set_release_status(s, album=album, status=catalog.ReleaseStatus.WITHDRAWN)
    after = _mixes(container, world.users[0])["Daily Mix 1"]
    assert "A1" in after and not {"B1", "B2"} & set(after)
    with transaction(container.sessions) as s:
        (daily,) = [v for v in discovery.my_mixes(s, user_id=world.users[0], now=NOW) if v.kind == "daily"]
        saved = discovery.save_mix(s, user_id=world.users[0], mix_id=daily.id, now=NOW)
        items = library.playlist_items(s, playlist_id=saved.playlist_id, viewer_id=world.users[0], limit=100, offset=0)
        assert [i.track.title for i in items.items] == after


def test_an_unpublished_import_is_not_heard_and_makes_nothing_popular(container: Container, world: World) -> None:
    """Listens an import wrote stay out of a mix's familiar tracks and out of popularity until it publishes."""
    with transaction(container.sessions) as s:
        new = listener(s, "importer").id
        hidden_listens(s, [new, *world.users], world.track_rows["C2"], NOW)  # enough listeners to rank C2 first
    mixes = _mixes(container, new)
    assert "Daily Mix 1" not in mixes  # nothing visible heard: a cold start
    assert mixes["Discover Weekly"][0] == "A1"  # C2's hidden listens do not rank it
    with transaction(container.sessions) as s:
        found = discovery.recommend(s, user_id=None, tracks=[], artists=[], genres=["jazz"], limit=5, now=NOW)
        assert catalog.track_views_in_order(s, found.track_ids)[0].title == "C1"


def test_the_daily_parts_run_as_jobs_build_every_listener_once(container: Container, world: World) -> None:
    from sqlalchemy import func, select

    from encore.jobs import Job
    from tests.support.jobs import run_jobs

    with transaction(container.sessions) as s:
        for key, payload in discovery.daily_parts():
            container.jobs.submit(s, kind=discovery.MIXES, key=key, payload=payload)
    assert run_jobs(container) == len(discovery.daily_parts())
    with container.sessions() as s:
        results = [json.loads(r or "{}") for r in s.scalars(select(Job.result).where(Job.kind == discovery.MIXES))]
        discovers = dict(
            s.execute(
                select(discovery.Mix.user_id, func.count()).where(discovery.Mix.kind == "discover").group_by("user_id")
            ).all()
        )
    assert len(results) == 4 and sum(r["listeners"] for r in results) == len(world.users)
    assert discovers == dict.fromkeys(world.users, 1)


def _import(s: Session, user: int, track: int, listens: int, *, digest: str, publish: bool) -> None:
    """`listens` listens of `track` through a history import, published or left unpublished."""
    import_id = history.open_import(s, user_id=user, digest=digest * 64, now=NOW)
    at = NOW - timedelta(days=2)
    rows = [history.ListenIn(at - timedelta(minutes=n), "x", "x", ms_played=170_000) for n in range(listens)]
    history.submit_listens(s, user_id=user, listens=rows, source="import", now=NOW, import_id=import_id)
    s.execute(update(Play).where(Play.import_id == import_id).values(track_id=track))
    if publish:
        history.publish_import(s, import_id=import_id, now=NOW)


def test_a_published_import_is_heard_and_a_pending_one_beside_it_is_not(container: Container, world: World) -> None:
    """The listens read skips the per-play import check only for a listener with no pending import: with
    one pending, their published import's listens still count and the pending one's do not."""
    with transaction(container.sessions) as s:
        new = listener(s, "importer").id
        _import(s, new, world.track_rows["C1"], 2, digest="a", publish=True)
    assert _mixes(container, new)["Daily Mix 1"][0] == "C1"  # only a published import: all of it heard
    with transaction(container.sessions) as s:
        s.execute(delete(discovery.Mix).where(discovery.Mix.user_id == new))
        _import(s, new, world.track_rows["C2"], 5, digest="b", publish=False)
    daily = _mixes(container, new)["Daily Mix 1"]
    assert daily[0] == "C1"  # C2's five pending listens would have made it the most played
    with transaction(container.sessions) as s:
        s.execute(delete(discovery.Mix).where(discovery.Mix.user_id == new))
        pending = s.scalar(select(history.HistoryImport.id).where(history.HistoryImport.published.is_(False)))
        assert pending is not None
        history.publish_import(s, import_id=pending, now=NOW)
    assert _mixes(container, new)["Daily Mix 1"][0] == "C2"  # published now: heard


def test_the_latest_listens_cap_counts_music_only_whatever_comes_between(
    container: Container, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A listener's mixes read their HEARD_LISTENS latest music listens. The read first takes the latest
    listens of anything; an ad or an uncatalogued listen among them must not take a music listen's place."""
    from encore.discovery import _mixes

    r = world.track_rows
    newest_first = [r["AD"], r["A1"], None, r["A2"], r["B1"], r["A1"], r["AD"], r["C1"]]
    with transaction(container.sessions) as s:
        fan = listener(s, "heavy").id
        for n, track in enumerate(newest_first):
            at = NOW - timedelta(minutes=n + 1)
            s.add(Play(user_id=fan, client_play_id=f"h{n}", track_id=track, started_at=at, updated_at=at,
                       ms_played=170_000, state="ended", is_listen=True, artist_name="x", track_name="x"))  # fmt: skip
    music = [t for t in newest_first if t is not None and t != r["AD"]]
    for cap in range(1, len(newest_first) + 2):
        monkeypatch.setattr(_mixes, "HEARD_LISTENS", cap)
        want: dict[int, int] = {}
        for t in music[:cap]:
            want[t] = want.get(t, 0) + 1
        with transaction(container.sessions) as s:
            assert _mixes._heard(s, fan, discovery.Shared()) == want, cap
