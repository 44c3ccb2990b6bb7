"""The operator's account-state decision (encore.incident.state_refusal), with no database: enabling says what
becomes of the password (fixleft22a), and the older refusals keep their order."""

import pytest

from encore.incident import state_refusal


@pytest.mark.parametrize(
    ("active", "last_admin", "erase_requested", "password", "refused", "already"),
    [
        (False, False, False, None, None, False),  # disabling says nothing of the password
        (False, True, False, None, "last_admin", False),
        (True, False, False, None, "password_unsaid", False),  # enabling must say: reset or keep
        (True, False, False, "reset", None, False),
        (True, False, False, "keep", None, False),
        (True, False, True, "keep", "erase_requested", False),
        (True, False, True, None, "erase_requested", False),  # the account that cannot come back at all is told first
        # review22m F8: already enabled, a reset asked would answer no code: refused; anything else is a no-op
        (True, False, False, "reset", "already_enabled", True),
        (True, False, False, "keep", None, True),
        (True, False, False, None, None, True),
        (False, True, False, None, None, True),
    ],
)
def test_state_refusal(
    active: bool, last_admin: bool, erase_requested: bool, password: str | None, refused: str | None, already: bool
) -> None:
    said = state_refusal(
        active=active,
        last_admin=last_admin,
        erase_requested=erase_requested,
        password=password,  # type: ignore[arg-type]
        already=already,
    )
    assert said == refused
