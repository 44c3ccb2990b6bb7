"""An account's device limit holds when the last free places are asked for at the same moment: each racer
counted the devices before any other's was committed, so all of them passed the check (and the limit is what
bounds the keys one account can mint)."""

from sqlalchemy import func, select

from encore.accounts import create_user
from encore.bootstrap import Container
from encore.db import transaction
from encore.devices import Device, create_device
from encore.devices._service import MAX_DEVICES
from tests.support.races import claiming, race

RACERS = 8


def test_the_last_free_place_asked_for_at_once_is_given_once(container: Container) -> None:
    now = container.clock.now()
    with transaction(container.sessions) as s:
        user_id = create_user(s, username="alice", password="password-123").id
        for i in range(MAX_DEVICES - 1):
            create_device(s, user_id=user_id, name=f"old {i}", secret=b"k" * 32, now=now)

    add = claiming(lambda s: create_device(s, user_id=user_id, name="new", secret=b"k" * 32, now=now))
    assert race(container, [add] * RACERS) == ["created"] + ["too_many_devices"] * (RACERS - 1)
    with container.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Device)) == MAX_DEVICES
