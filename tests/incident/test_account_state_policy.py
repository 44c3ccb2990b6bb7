"""The operator's account-state decision (encore.incident.state_refusal), with no database: enabling says what
becomes of the password (fixleft22a), and the older refusals keep their order."""

import pytest

from encore.incident import state_refusal


@pytest.mark.parametrize(
    ("active", "last_admin", "erase_requested", "password", "refused"),
    [
        (False, False, False, None, None),  # disabling says nothing of the password
        (False, True, False, None, "last_admin"),
        (True, False, False, None, "password_unsaid"),  # enabling must say: reset or keep
        (True, False, False, "reset", None),
        (True, False, False, "keep", None),
        (True, False, True, "keep", "erase_requested"),
        (True, False, True, None, "erase_requested"),  # the account that cannot come back at all is told first
    ],
)
def test_state_refusal(
    active: bool, last_admin: bool, erase_requested: bool, password: str | None, refused: str | None
) -> None:
    said = state_refusal(
        active=active,
        last_admin=last_admin,
        erase_requested=erase_requested,
        password=password,  # type: ignore[arg-type]
    )
    assert said == refused
