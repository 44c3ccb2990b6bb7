"""Music never becomes ad audio (review25m F1): an ad campaign on a label's one-track release took it out of the
catalogue and its verified streams out of every open statement (a campaign's track is not music to `counted_rows`),
while the label's chart still showed them. A label's release, a release ever published as music and a track with
verified streams are refused with a clear error, and so is an unlabelled song a listener holds (a play, a save, a
playlist item, a rating: review26a L2), and so is any other listed track; an advertiser's spot, saved as ad audio
by its own upload, carries campaigns."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from encore import ads, history, library, playback
from encore.accounts import create_user
from encore.bootstrap import Container
from encore.catalog import ReleaseStatus, Track, set_release_status
from encore.catalog._listing import ad_refusal
from encore.db import transaction
from encore.kernel import ValidationFailed
from encore.labels import Terms, compute_month, streams_per_day
from encore.playback import VerifiedStream
from tests.catalog import factories as f

TERMS = Terms(payout_share_pct=70, currency="EUR")
AT = datetime(2026, 11, 10, 12, tzinfo=UTC)


def _campaign(s: Session, track: Track) -> ads.CampaignView:
    return ads.create_campaign(
        s, advertiser="Acme", track_id=track.public_id, starts_at=AT, ends_at=AT + timedelta(days=30),
        budget_impressions=10, cpm_cents=1000, genres=[], hour_from=None, hour_to=None, freq_cap_per_day=6,
        heard_as_music=playback.heard_as_music,
    )  # fmt: skip


def _streams(s: Session, track: Track, n: int) -> None:
    fan = create_user(s, username=f"fan{track.id}", password="listener-pass-1")
    for i in range(n):
        s.add(VerifiedStream(user_id=fan.id, track_id=track.id, play_key=f"k{track.id}-{i}",
                             first_byte_at=AT + timedelta(minutes=5 * i), audio_ms=60_000))  # fmt: skip
    s.flush()


def test_a_campaign_on_a_labels_single_is_refused_and_its_streams_stay_counted(container: Container) -> None:
    """review25m's reproduction: 5 verified streams of a label's single, then a campaign naming it."""
    with transaction(container.sessions) as s:
        label = f.label(s, "Indie")
        band = f.artist(s, "Single Band")
        single = f.track(s, "Hit", f.album(s, "Hit (single)", band, on=label), [band])
        _streams(s, single, 5)
        assert compute_month(s, month="2026-11", terms=TERMS).streams == 5
        with pytest.raises(ValidationFailed) as refused:
            _campaign(s, single)
        assert refused.value.code == "music_track" and "Indie" in refused.value.message
        after = compute_month(s, month="2026-11", terms=TERMS)
        chart = streams_per_day(s, label_id=label.id, since=AT.date(), until=AT.date())
        assert not single.is_ad and not single.album.is_ad
    assert sum(t.total for t in chart) == 5
    assert after.streams == 5 and [(ln.label_name, ln.streams) for ln in after.lines] == [("Indie", 5)]


def test_a_labels_release_is_refused_even_before_anyone_heard_it(container: Container) -> None:
    """The upload of a label's single as the spot (a duplicate names the label's track) on its first day."""
    with transaction(container.sessions) as s:
        band = f.artist(s, "New Band")
        single = f.track(s, "Fresh", f.album(s, "Fresh", band, on=f.label(s, "Indie")), [band])
        with pytest.raises(ValidationFailed) as refused:
            _campaign(s, single)
        assert refused.value.code == "music_track" and not single.is_ad


def test_a_track_with_verified_streams_is_refused(container: Container) -> None:
    """No label (an operator's own library): heard as music is enough, a de-identified stream included."""
    with transaction(container.sessions) as s:
        band = f.artist(s, "Home Band")
        song = f.track(s, "Home", f.album(s, "Home", band), [band])
        _streams(s, song, 1)
        playback.deidentify_verified_streams(s, user_id=s.get_one(VerifiedStream, 1).user_id or 0,
                                             since=None, until=AT + timedelta(days=1))  # fmt: skip
        with pytest.raises(ValidationFailed) as refused:
            _campaign(s, song)
        assert refused.value.code == "music_track" and "verified streams" in refused.value.message
        assert not song.is_ad


def test_a_release_once_published_by_a_label_is_refused_after_its_label_went(container: Container) -> None:
    with transaction(container.sessions) as s:
        band = f.artist(s, "Orphan Band")
        album = f.album(s, "Orphan", band)
        track = f.track(s, "Orphan", album, [band])
        set_release_status(s, album=album, status=ReleaseStatus.DRAFT, now=AT)
        set_release_status(s, album=album, status=ReleaseStatus.PUBLISHED, now=AT + timedelta(hours=1))
        with pytest.raises(ValidationFailed) as refused:
            _campaign(s, track)
        assert refused.value.code == "music_track" and not track.is_ad


def _reach(s: Session, how: str, track: Track) -> None:
    """One listener holds the track as music, one way (the player's and apps' own services)."""
    fan = create_user(s, username=f"holder-{how.replace(' ', '-')}", password="listener-pass-1")
    if how == "saved":
        library.save_items(s, user_id=fan.id, kind="track", ids=[track.public_id], now=AT)
    elif how == "album saved":
        library.save_items(s, user_id=fan.id, kind="album", ids=[track.album.public_id], now=AT)
    elif how == "playlist":
        mine = library.create_playlist(s, owner_id=fan.id, name="Road trip", now=AT)
        library.add_to_playlist(s, playlist_id=mine.id, user_id=fan.id, track_ids=[track.public_id], now=AT)
    elif how == "rated":
        library.set_rating(s, user_id=fan.id, kind="track", item_id=track.public_id, rating=4, now=AT)
    else:  # a play in the listener's history (a short one: no verified stream, no listen)
        report = history.PlayReport("play-reach-0001", track.id, track.duration_ms, AT, 5_000, "skipped")
        history.report_play(s, user_id=fan.id, report=report, now=AT + timedelta(seconds=5))
    s.flush()


@pytest.mark.parametrize("how", ["saved", "album saved", "playlist", "rated", "played"])
def test_an_unlabelled_song_a_listener_holds_is_refused_without_any_stream(container: Container, how: str) -> None:
    """review26a L2: an operator's own ingest (no label tag, no publish row) never streamed as paid music: a
    listener's save, playlist, rating or play of it still makes it music, which the campaign would pull from them."""
    with transaction(container.sessions) as s:
        band = f.artist(s, "Own Files Band")
        song = f.track(s, "Kept Song", f.album(s, "Own Files", band), [band])
        _reach(s, how, song)
        assert playback.heard_as_music(s, song.id) is not None
        with pytest.raises(ValidationFailed) as refused:
            _campaign(s, song)
        assert refused.value.code == "music_track" and "it is music" in refused.value.message
        assert not song.is_ad and not song.album.is_ad


def test_an_advertisers_spot_carries_campaigns_and_an_untouched_listed_song_does_not(container: Container) -> None:
    """A spot saved as ad audio (`ads.mark_spot`, its upload) carries a campaign, and a second one; a listed song
    nobody has touched (no label, no publish row, no listener) is refused `not_ad_audio` and stays music
    (review26a L2: an admin's mistaken track id pulled it from the catalogue)."""
    with transaction(container.sessions) as s:
        acme, band = f.artist(s, "Acme Ads"), f.artist(s, "Own Band")
        spot = f.spot(s, "Spot", f.album(s, "Acme Spot", acme), [acme], duration_ms=15_000)
        song = f.track(s, "Own Song", f.album(s, "Own Files", band), [band])
        assert spot.is_ad and spot.album.is_ad and playback.heard_as_music(s, song.id) is None
        first = _campaign(s, spot)
        second = _campaign(s, spot)  # the same audio for another flight
        with pytest.raises(ValidationFailed) as refused:
            _campaign(s, song)
        assert refused.value.code == "not_ad_audio" and not song.is_ad and not song.album.is_ad
    assert first.track_id == second.track_id == spot.public_id


def test_ad_refusal_names_the_first_reason() -> None:
    assert ad_refusal(label_name=None, published_before=False, shares_with_music=False) is None
    assert ad_refusal(label_name="X", published_before=True, shares_with_music=True)[0] == "music_track"  # type: ignore[index]
    assert ad_refusal(label_name=None, published_before=True, shares_with_music=True)[0] == "music_track"  # type: ignore[index]
    assert ad_refusal(label_name=None, published_before=False, shares_with_music=True)[0] == "ad_in_music_release"  # type: ignore[index]
