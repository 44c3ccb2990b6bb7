"""Dates and instants the player API accepts from outside: 1970..9999, or a 422 in the player's error shape.

A date pydantic accepts (0001-01-01T00:00+01:00) can still overflow once shifted to UTC or a month back; the
bound makes that a client error at the edge instead of an OverflowError in the database layer."""

from datetime import date
from typing import Annotated, TypeVar

from pydantic import AfterValidator, AwareDatetime

from encore.kernel import in_epoch

T = TypeVar("T", bound=date)


def _bounded(value: T) -> T:
    if not in_epoch(value):
        raise ValueError("must be between 1970 and 9999")
    return value


Instant = Annotated[AwareDatetime, AfterValidator(_bounded)]
Day = Annotated[date, AfterValidator(_bounded)]
