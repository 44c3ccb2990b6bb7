"""`labels.may_close`: the one rule for when a month may be closed, which `close_month` refuses by and the admin's
statement carries (`closable`, `closable_from`) so the page offers Close only then (review31b L4)."""

from datetime import UTC, datetime, timedelta

from encore.labels import SETTLEMENT, may_close

END = datetime(2027, 1, 1, tzinfo=UTC)  # 2026-12 ends here


def test_a_month_still_running_is_not_over() -> None:
    closing = may_close(month="2026-12", now=END - timedelta(seconds=1))
    assert (closing.allowed, closing.reason, closing.closable_from) == (False, "month_not_over", END + SETTLEMENT)


def test_an_ended_month_waits_for_its_late_streams_and_payments() -> None:
    closing = may_close(month="2026-12", now=END + SETTLEMENT - timedelta(seconds=1))
    assert (closing.allowed, closing.reason) == (False, "month_not_settled")


def test_a_settled_month_may_be_closed() -> None:
    closing = may_close(month="2026-12", now=END + SETTLEMENT)
    assert (closing.allowed, closing.reason) == (True, "settled")
