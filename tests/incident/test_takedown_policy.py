"""The operator's takedown decisions (encore.incident._takedown), with no database: each refusal and its reason."""

import pytest

from encore.incident._takedown import restore_refusal, withdraw_refusal


@pytest.mark.parametrize(
    ("status", "is_ad", "refused"),
    [
        ("published", False, None),
        ("withdrawn", False, "withdrawn"),
        ("draft", False, "draft"),
        ("published", True, "ad"),
    ],
)
def test_withdraw_refusal(status: str, is_ad: bool, refused: str | None) -> None:
    assert withdraw_refusal(status=status, is_ad=is_ad) == refused


@pytest.mark.parametrize(
    ("status", "is_ad", "has_label", "operator_withdrew", "refused"),
    [
        ("withdrawn", False, False, True, None),
        ("withdrawn", False, True, True, None),  # the operator undoes their own takedown of a label's release
        ("withdrawn", False, True, False, "label"),  # the label withdrew it: republishing is the label's choice
        ("published", False, False, False, "published"),
        ("draft", False, True, False, "draft"),
        ("withdrawn", True, False, True, "ad"),
    ],
)
def test_restore_refusal(
    status: str, is_ad: bool, has_label: bool, operator_withdrew: bool, refused: str | None
) -> None:
    said = restore_refusal(status=status, is_ad=is_ad, has_label=has_label, operator_withdrew=operator_withdrew)
    assert said == refused
