"""When an app password no kept key opened is worth reading the keyring again for: decided on the stored
seals' key ids (stored data a wrong password cannot make), never on what the client sent."""

import pytest

from encore.devices import reread_for


@pytest.mark.parametrize(
    ("sealed", "held", "need", "kid"),
    [
        ([2], 1, "at_once", 2),  # a rotation this process has not read resealed it
        ([1, None, 3], 2, "at_once", 3),
        ([None], 5, "bounded", None),  # sealed before key ids were recorded
        ([1, None], 1, "bounded", None),
        ([1, 0], 1, "none", None),  # every seal under a kept key: a read opens nothing more
        ([0], 3, "none", None),  # a key older than the kept ones that they lack: retired, a read will not bring it
        ([], 0, "none", None),  # an unknown user: the decoy belongs to nobody
    ],
)
def test_when_a_seal_is_worth_a_read(sealed: list[int | None], held: int, need: str, kid: int | None) -> None:
    said = reread_for(sealed, held=held)
    assert (said.need, said.kid) == (need, kid) and said.reason
