"""Which periods a Wrapped can cover: a year ("2024") or a decade ("2020s"). Pure functions."""

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from encore.kernel import NotFound, ValidationFailed

FIRST_YEAR = 2002  # history refuses plays before 2002 (history.check_timestamp)
_YEAR = re.compile(r"\A([0-9]{4})\Z")  # [0-9]: \d takes "２０２６" too
_DECADE = re.compile(r"\A([0-9]{3})0s\Z")


@dataclass(frozen=True)
class Period:
    label: str  # "2024" or "2020s"
    kind: str  # "year" | "decade"
    start: datetime
    end: datetime  # exclusive

    @property
    def years(self) -> list[int]:
        return list(range(self.start.year, self.end.year))

    @property
    def bucket_chars(self) -> int:
        """Eras are months of a year ("2024-03", 7 chars) or years of a decade ("2024", 4 chars)."""
        return 7 if self.kind == "year" else 4


def parse_period(text: str, *, now: datetime) -> Period:
    """A period label from a URL or the command line. Anything else is NotFound (a URL that names nothing)."""
    year = _YEAR.match(text)
    if year:
        first = int(year.group(1))
        kind, last = "year", first + 1
    else:
        decade = _DECADE.match(text)
        if not decade:
            raise NotFound("a period is a year like 2024 or a decade like 2020s", code="bad_period")
        first = int(decade.group(1)) * 10
        kind, last = "decade", first + 10
    if first > now.year:
        raise NotFound(f"no Wrapped for {text} yet: it has not begun", code="bad_period")
    if last <= FIRST_YEAR:
        raise NotFound(f"no Wrapped for {text}: Encore keeps plays from {FIRST_YEAR} on", code="bad_period")
    return Period(text, kind, datetime(first, 1, 1, tzinfo=UTC), datetime(last, 1, 1, tzinfo=UTC))


def check_decade(text: str) -> None:
    """`encore wrapped build --decade`'s word: a decade label, never a year, which `parse_period` would take as
    that year and build it without a word (review32c L3). ValidationFailed with the reason."""
    if _DECADE.match(text):
        return
    if _YEAR.match(text) or (text.endswith("s") and _YEAR.match(text[:-1])):
        raise ValidationFailed(
            f"{text} is no decade: a decade is written as its first year and an s, like {text[:3]}0s (--year "
            "builds one year)",
            code="bad_period",
        )
    raise ValidationFailed("a decade is written as its first year and an s, a decade like 2020s", code="bad_period")


def periods_between(first: datetime, last: datetime) -> list[str]:
    """Every year and decade touched by plays from `first` to `last`, newest first, decades after years."""
    years = [str(y) for y in range(last.year, max(first.year, FIRST_YEAR) - 1, -1)]
    decades = sorted({f"{int(y) // 10 * 10}s" for y in years}, reverse=True)
    return years + decades
