"""Listens kept by text: deduplicated, returned in order, matched to the catalogue now and after it grows."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from encore.accounts import create_user
from encore.bootstrap import Container
from encore.db import transaction
from encore.history import ListenIn, Play, match_listens, submit_listens, user_listens
from tests.catalog import factories as f

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
T0 = datetime(2024, 3, 1, 8, tzinfo=UTC)


def _user(c: Container, name: str = "lis") -> int:
    with transaction(c.sessions) as s:
        return create_user(s, username=name, password="listener-pass-1").id


def test_duplicates_and_out_of_order_count_once_in_order(container: Container) -> None:
    uid = _user(container)
    a = ListenIn(listened_at=T0 + timedelta(minutes=10), artist_name="Nova", track_name="Late")
    b = ListenIn(listened_at=T0, artist_name="Nova", track_name="Early")
    same_as_a = ListenIn(listened_at=a.listened_at, artist_name="  NOVA ", track_name="late")
    with transaction(container.sessions) as s:
        assert submit_listens(s, user_id=uid, listens=[a, b, same_as_a], source="listenbrainz", now=NOW) == 2
    with transaction(container.sessions) as s:
        assert submit_listens(s, user_id=uid, listens=[b, a], source="listenbrainz", now=NOW) == 0
        views = user_listens(s, user_id=uid, min_ts=None, max_ts=None, count=10)
        assert [v.track_name for v in views] == ["Late", "Early"]
        after = user_listens(s, user_id=uid, min_ts=T0, max_ts=None, count=10)
        assert [v.track_name for v in after] == ["Late"]  # min_ts is exclusive
        assert s.scalar(select(func.count()).select_from(Play)) == 2


def test_matching_isrc_first_then_text_now_and_when_the_catalogue_grows(container: Container) -> None:
    uid = _user(container)
    with transaction(container.sessions) as s:
        artist = f.artist(s, "Émilie Ångström")
        album = f.album(s, "North", artist)
        by_text = f.track(s, "Polar Light", album, [artist])
        by_isrc = f.track(s, "Completely Different Title", album, [artist], number=2)
        by_isrc.isrc = "GBAAA2400001"
        ids = (by_text.id, by_isrc.id)
    listens = [
        ListenIn(listened_at=T0, artist_name="emilie angstrom", track_name="POLAR  light"),
        ListenIn(listened_at=T0 + timedelta(minutes=5), artist_name="x", track_name="y", isrc="GBAAA2400001"),
        ListenIn(listened_at=T0 + timedelta(minutes=9), artist_name="Later Band", track_name="Not Yet"),
    ]
    with transaction(container.sessions) as s:
        submit_listens(s, user_id=uid, listens=listens, source="listenbrainz", now=NOW)
        rows = {p.track_name: p for p in s.scalars(select(Play))}
        assert rows["POLAR  light"].track_id == ids[0]
        assert rows["y"].track_id == ids[1]
        assert rows["Not Yet"].track_id is None and rows["Not Yet"].match_key is not None
    with transaction(container.sessions) as s:
        assert match_listens(s) == 0  # nothing new in the catalogue yet
        band = f.artist(s, "LATER BAND")
        late = f.track(s, "not yet", f.album(s, "Debut", band), [band])
        late_id = late.id
    with transaction(container.sessions) as s:
        assert match_listens(s) == 1
        row = s.scalar(select(Play).where(Play.track_name == "Not Yet"))
        assert row is not None and row.track_id == late_id and row.match_key is None
        assert match_listens(s) == 0  # re-running changes nothing
