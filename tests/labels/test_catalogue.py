"""A label's catalogue: ownership, whitelisted edits, availability enforced by the one decision, streams per day."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from encore.accounts import User
from encore.billing import Availability
from encore.bootstrap import Container
from encore.db import transaction
from encore.history import PlayReport, report_play
from encore.kernel import NotFound, ValidationFailed
from encore.labels import catalogue, edit_metadata, set_availability, streams_per_day
from encore.playback import Verified, next_stream_decision, record_verified_stream
from tests.labels.world import MID, build

TODAY = date(2026, 12, 4)


def test_a_label_sees_and_changes_only_its_own_catalogue(container: Container) -> None:
    with transaction(container.sessions) as s:
        w = build(s)
        ours = catalogue(s, label_id=w.ours_label_id)
        assert [a.title for a in ours] == ["Ours LP"] and ours[0].tracks[0].id == w.a.public_id
        for kind, item in (("album", w.b.album.public_id), ("track", w.b.public_id)):
            with pytest.raises(NotFound):
                edit_metadata(
                    s,
                    label_id=w.ours_label_id,
                    kind=kind,
                    item_id=item,
                    changes={"title": "Mine"},
                    today=TODAY,
                )  # type: ignore[arg-type]
            with pytest.raises(NotFound):
                set_availability(
                    s, label_id=w.ours_label_id, kind=kind, item_id=item,  # type: ignore[arg-type]
                    availability=Availability.PREMIUM, available_from=None,
                )  # fmt: skip
        assert w.b.title == "Song B" and w.b.album.availability == "public"


def test_metadata_edits_take_whitelisted_fields_only(container: Container) -> None:
    with transaction(container.sessions) as s:
        w = build(s)
        out = edit_metadata(
            s, label_id=w.ours_label_id, kind="album", item_id=w.a.album.public_id,
            changes={"title": "  Ours LP (Deluxe) ", "upc": "123456789012"},
            today=TODAY,
        )  # fmt: skip
        assert out.title == "Ours LP (Deluxe)" and out.upc == "123456789012"
        for changes in ({"label_id": w.theirs_label_id}, {"audio_hash": "x"}, {"title": "ok", "public_id": "x"}):
            with pytest.raises(ValidationFailed):
                edit_metadata(
                    s,
                    label_id=w.ours_label_id,
                    kind="track",
                    item_id=w.a.public_id,
                    changes=changes,
                    today=TODAY,
                )
        with pytest.raises(ValidationFailed):
            edit_metadata(
                s,
                label_id=w.ours_label_id,
                kind="track",
                item_id=w.a.public_id,
                changes={"title": " "},
                today=TODAY,
            )
        assert w.a.album.label_id == w.ours_label_id and w.a.title == "Song A"


def test_availability_is_enforced_by_the_stream_decision(container: Container) -> None:
    now = datetime(2026, 11, 20, tzinfo=UTC)
    with transaction(container.sessions) as s:
        w = build(s)
        sub1, free = w.sub1.id, w.free.id

        def ask(user: int, at: datetime = now) -> str:
            return next_stream_decision(
                s,
                user_id=user,
                user_public_id=str(user),
                track_id=w.a.public_id,
                interval_s=3600,
                now=at,
                clocks=container.ad_clocks,
            ).reason

        with pytest.raises(ValidationFailed):
            set_availability(
                s, label_id=w.ours_label_id, kind="album", item_id=w.a.album.public_id,
                availability=Availability.PRERELEASE, available_from=None,
            )  # fmt: skip
        opens = now + timedelta(days=3)
        set_availability(
            s, label_id=w.ours_label_id, kind="album", item_id=w.a.album.public_id,
            availability=Availability.PRERELEASE, available_from=opens,
        )  # fmt: skip
        assert ask(free) == "premium_required_prerelease"
        assert ask(sub1) == "premium_no_ads"
        assert ask(free, opens) == "ad_not_due"  # opened to everyone on its date
        # The track can be stricter than its album: Premium only, whatever the album says.
        set_availability(
            s, label_id=w.ours_label_id, kind="track", item_id=w.a.public_id,
            availability=Availability.PREMIUM, available_from=None,
        )  # fmt: skip
        assert ask(free, opens + timedelta(days=1)) == "premium_required"
        set_availability(
            s, label_id=w.ours_label_id, kind="track", item_id=w.a.public_id, availability=None, available_from=None
        )
        assert ask(free, opens + timedelta(days=1)) == "ad_not_due"


def test_streams_per_day_count_verified_streams_once_per_play_never_client_reports(container: Container) -> None:
    with transaction(container.sessions) as s:
        w = build(s)
        next_day = MID + timedelta(days=1)
        # The client's progress reports feed history only: they never make a stream.
        for ms in (10_000, 45_000, 45_000):
            report = PlayReport("same-play-id", w.a.id, w.a.duration_ms, next_day, ms, "playing")
            report_play(s, user_id=w.sub2.id, report=report, now=next_day + timedelta(minutes=5))
        # What the byte path verified counts, once per play however often it is recorded.
        sub2 = s.scalar(select(User.public_id).where(User.id == w.sub2.id))
        assert sub2 is not None
        verified = Verified(sub2, w.a.public_id, f"{w.a.public_id}:1", next_day, 31_000)
        assert record_verified_stream(s, verified=verified)
        assert not record_verified_stream(s, verified=verified)  # the repeat is ignored, and says so
        days = streams_per_day(s, label_id=w.ours_label_id, since=date(2026, 11, 1), until=date(2026, 11, 30))
        assert [(d.track_id, d.total) for d in days] == [(w.a.public_id, 5)]
        assert days[0].days == {MID.date(): 4, next_day.date(): 1}
        assert (
            streams_per_day(s, label_id=w.theirs_label_id, since=date(2026, 11, 1), until=date(2026, 11, 30))[0].total
            == 2
        )
        for since, until in ((date(2026, 11, 2), date(2026, 11, 1)), (date(2025, 1, 1), date(2026, 11, 1))):
            with pytest.raises(ValidationFailed):
                streams_per_day(s, label_id=w.ours_label_id, since=since, until=until)
