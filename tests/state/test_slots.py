"""Slots per key on the shared state (one account's uploads, the transcodes), in process and on Redis alike."""

from encore.state import SharedState, Slots


def test_each_key_has_its_own_slots_and_a_released_one_is_free_again(state: SharedState) -> None:
    slots = Slots(state, limit=2, lease_s=60)
    held = [slots.try_acquire("uploads:1"), slots.try_acquire("uploads:1")]
    assert all(held)
    assert slots.try_acquire("uploads:1") is None  # the third of one key
    other = slots.try_acquire("uploads:2")  # another key is not held by it
    assert other is not None
    first = held[0]
    assert first is not None
    first.release()
    first.release()  # once only: a second release frees nobody else's slot
    assert slots.try_acquire("uploads:1") is not None
    assert slots.try_acquire("uploads:1") is None


def test_a_kept_slot_is_renewed_only_once_a_third_of_its_lease_has_passed(state: SharedState) -> None:
    slot = Slots(state, limit=1, lease_s=0.3).try_acquire("k")
    assert slot is not None and not slot.due()
    slot.keep()  # not due: nothing sent to the state
    slot.release()
    assert not slot.due()  # a released slot is never renewed


def test_no_slots_at_all_when_the_limit_is_zero(state: SharedState) -> None:
    assert Slots(state, limit=0, lease_s=60).try_acquire("k") is None
