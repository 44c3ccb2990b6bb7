"""The history's word search reads letters in lower case in every script on both databases (it lowered with the
database's lower(), ASCII-only in SQLite and in a C-locale PostgreSQL, so "москва" never found "Москва Ночью" there).
Accents and full case folding ("beyonce" for "Beyoncé", "STRASSE" for "Straße") are the catalogue search's, not this
one's: per row over a whole history they cost ~7x lower() (review31c M2), which these cases pin too."""

from datetime import UTC, datetime, timedelta

import pytest

from encore import history
from encore.accounts import create_user
from encore.bootstrap import Container
from encore.db import transaction
from encore.history import HistoryFilter, ListenIn, submit_listens
from tests.catalog import factories as f

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
T0 = datetime(2025, 3, 1, 8, tzinfo=UTC)
KEPT = [("Москва Ночью", "Кино"), ("Auf der Straße", "Die Band"), ("ΟΔΟΣ", "Ελένη"), ("100% Real", "Pct")]


def _found(c: Container, uid: int, text: str) -> list[str]:
    with transaction(c.sessions) as s:
        page = history.browse_history(s, user_id=uid, flt=HistoryFilter(text=text), cursor=None, limit=50)
        return sorted(r.track_name for r in page.rows)


@pytest.mark.parametrize(
    ("typed", "found"),
    [
        ("москва", ["Москва Ночью"]),
        ("КИНО", ["Москва Ночью"]),
        ("STRASSE", []),
        ("STRAßE", ["Auf der Straße"]),
        ("οδος", ["ΟΔΟΣ"]),
        ("BEYONCÉ", ["Halo"]),
        ("HALO", ["Halo"]),
        ("100%", ["100% Real"]),
        ("1000", []),
    ],
)
def test_the_history_search_lowers_every_script_on_both_sides(
    container: Container, typed: str, found: list[str]
) -> None:
    with transaction(container.sessions) as s:
        uid = create_user(s, username="lis", password="listener-pass-1").id
        artist = f.artist(s, "Beyoncé")
        f.track(s, "Halo", f.album(s, "Sasha", artist), [artist])
    listens = [
        ListenIn(listened_at=T0 + timedelta(minutes=9 * i), artist_name=a, track_name=t)
        for i, (t, a) in enumerate([*KEPT, ("Halo", "Beyoncé")])
    ]
    with transaction(container.sessions) as s:
        submit_listens(s, user_id=uid, listens=listens, source="listenbrainz", now=NOW)
    assert _found(container, uid, typed) == found
