"""How many playlists an account may make (review32a M2: a script made ~80 a second, and one account could fill the
public search with 10,000): at most `MAX_PLAYLISTS` held, at most `NEW_PLAYLISTS_PER_HOUR` made in an hour, each
refused in a sentence that says what to do, on SQLite and PostgreSQL."""

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import insert
from sqlalchemy.orm import Session

from encore import library
from encore.accounts import create_user
from encore.bootstrap import Container
from encore.kernel import ValidationFailed
from encore.library import Playlist
from encore.library._policy import NEW_PLAYLISTS_PER_HOUR, may_create
from tests.library.test_library import NOW


@pytest.fixture
def owner(container: Container) -> Iterator[tuple[Session, int]]:
    with container.sessions() as s, s.begin():
        yield s, create_user(s, username="maker", password="maker-password-1").id


def _made(s: Session, owner: int, n: int, *, at: object) -> None:
    row = {"owner_id": owner, "description": "", "public": True, "version": 1, "created_at": at, "updated_at": at}
    s.execute(insert(Playlist), [{**row, "name": f"made {i}"} for i in range(n)])


def test_an_account_holds_at_most_a_thousand_playlists(owner: tuple[Session, int]) -> None:
    s, me = owner
    _made(s, me, library.MAX_PLAYLISTS - 1, at=NOW - timedelta(days=30))
    library.create_playlist(s, owner_id=me, name="the last place", now=NOW)  # the thousandth
    with pytest.raises(ValidationFailed) as refused:
        library.create_playlist(s, owner_id=me, name="one more", now=NOW + timedelta(days=1))
    assert refused.value.code == "too_many_playlists"
    assert refused.value.message == (
        "An account holds at most 1,000 playlists and yours has 1,000: delete one to make room for another"
    )


def test_an_hour_makes_at_most_its_share_of_new_playlists(owner: tuple[Session, int]) -> None:
    s, me = owner
    _made(s, me, NEW_PLAYLISTS_PER_HOUR - 1, at=NOW - timedelta(minutes=30))
    library.create_playlist(s, owner_id=me, name="the hour's last", now=NOW - timedelta(minutes=10))
    with pytest.raises(ValidationFailed) as refused:
        library.create_playlist(s, owner_id=me, name="too soon", now=NOW)
    assert refused.value.code == "too_many_new_playlists"
    assert refused.value.message == (
        "You made 200 playlists in the last hour, the most an hour allows: make the next from 12:30 UTC"
    )
    made = library.create_playlist(s, owner_id=me, name="an hour on", now=NOW + timedelta(minutes=31))
    assert made.name == "an hour on"


def test_the_rule_checks_the_cap_before_the_pace() -> None:
    assert may_create(owned=999, made_last_hour=199).allowed
    assert may_create(owned=1_000, made_last_hour=0).reason == "too_many_playlists"
    assert may_create(owned=1_000, made_last_hour=200).reason == "too_many_playlists"
    assert may_create(owned=10, made_last_hour=200).reason == "too_many_new_playlists"
