"""The operator's takedown decisions (encore.incident._takedown), with no database: each refusal and its reason."""

import pytest

from encore.incident._takedown import restore_refusal, withdraw_refusal


@pytest.mark.parametrize(
    ("status", "is_ad", "taken_down", "refused"),
    [
        ("published", False, False, None),
        ("withdrawn", False, False, None),  # its label withdrew it: the takedown keeps the label from publishing it
        ("withdrawn", False, True, "withdrawn"),
        ("draft", False, False, "draft"),
        ("published", True, False, "ad"),
    ],
)
def test_withdraw_refusal(status: str, is_ad: bool, taken_down: bool, refused: str | None) -> None:
    assert withdraw_refusal(status=status, is_ad=is_ad, taken_down=taken_down) == refused


@pytest.mark.parametrize(
    ("status", "is_ad", "has_label", "taken_down", "refused"),
    [
        ("withdrawn", False, False, True, None),
        ("withdrawn", False, False, False, None),  # with no label only the operator withdraws
        ("withdrawn", False, True, True, None),  # the operator lifts their own takedown of a label's release
        ("withdrawn", False, True, False, "label"),  # the label withdrew it: republishing is the label's choice
        ("published", False, False, False, "published"),
        ("draft", False, True, False, "draft"),
        ("withdrawn", True, False, False, "ad"),
    ],
)
def test_restore_refusal(status: str, is_ad: bool, has_label: bool, taken_down: bool, refused: str | None) -> None:
    assert restore_refusal(status=status, is_ad=is_ad, has_label=has_label, taken_down=taken_down) == refused
