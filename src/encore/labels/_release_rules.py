"""Pure rules for a label's release form: each returns {field: sentence} (empty when all is well), so the
form can say what is wrong next to the field it is about."""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from encore.kernel import has_visible, is_isrc

FIRST_YEAR = 1900  # no recording older than this is released here
YEARS_AHEAD = 10  # a pre-release may be announced this far ahead
MAX_TITLE = 300
MAX_ARTISTS = 20
PLACEHOLDERS = frozenset({"unknown album", "unknown artist", "untitled"})  # what ingest writes when tags lack it


@dataclass(frozen=True)
class TrackForm:
    id: str
    title: str | None  # None: unchanged
    isrc: str | None  # None: unchanged, "": clear


def normal_isrc(text: str) -> str:
    """'us-rc1-76-07839 ' -> 'USRC17607839' (ISRCs are often written with hyphens)."""
    return text.replace("-", "").replace(" ", "").upper()


def _title_problem(title: str, what: str) -> str | None:
    if len(title) > MAX_TITLE:
        return f"{what} can be at most {MAX_TITLE} characters."
    if title.strip() and not has_visible(title):  # empty may be saved while the form is filled in
        return f"{what} must show at least one visible character."
    return None


def release_date_problem(released: date, *, today: date) -> str | None:
    """The one rule for a release date, on the form, the album edit and at publish: from 1900 to ten years
    ahead (a far-future date would head New releases and `tag:new` for good: probe16)."""
    return _year_problem(released.year, today=today)


def _year_problem(year: int, *, today: date) -> str | None:
    """The rule of `release_date_problem`, on the year alone: the form reads it before the calendar does, so a
    year no `date` can hold (0, 99999) is told the range too, not that its day does not exist."""
    if not FIRST_YEAR <= year <= today.year + YEARS_AHEAD:
        return f"The release year must be between {FIRST_YEAR} and {today.year + YEARS_AHEAD}."
    return None


def parse_release_date(text: str, *, today: date) -> tuple[date | None, str | None]:
    """'2026-12-24' -> the date, or a sentence saying what is wrong with it."""
    m = re.fullmatch(r"([0-9]{1,6})-([0-9]{2})-([0-9]{2})", text.strip())
    if m is None:
        return None, "Write the release date as year-month-day, for example 2026-12-24."
    year = int(m.group(1))
    if problem := _year_problem(year, today=today):
        return None, problem
    try:
        return date(year, int(m.group(2)), int(m.group(3))), None
    except ValueError:
        return None, "That day does not exist in the calendar."


def edit_problems(*, title: str | None, artists: Sequence[str] | None, tracks: Sequence[TrackForm]) -> dict[str, str]:
    """Formats a draft may never hold (an empty title may be saved while the form is being filled in)."""
    problems: dict[str, str] = {}
    if title is not None and (p := _title_problem(title, "The release title")):
        problems["title"] = p
    if artists is not None:
        if len(artists) > MAX_ARTISTS:
            problems["artists"] = f"Credit at most {MAX_ARTISTS} artists."
        elif any(len(a) > MAX_TITLE for a in artists):
            problems["artists"] = f"An artist's name can be at most {MAX_TITLE} characters."
        elif any(a.strip() and not has_visible(a) for a in artists):
            problems["artists"] = "An artist's name must show at least one visible character."
    for t in tracks:
        if t.title is not None and (p := _title_problem(t.title, "A track title")):
            problems[f"tracks.{t.id}.title"] = p
        if t.isrc and not is_isrc(normal_isrc(t.isrc)):
            problems[f"tracks.{t.id}.isrc"] = (
                "An ISRC is 12 letters and digits: country, registrant, year, number (for example USRC17607839)."
            )
    return problems


def publish_problems(
    *, title: str, artists: Sequence[str], release_date: date | None, track_titles: dict[str, str], today: date
) -> dict[str, str]:
    """What a release needs before listeners see it (names a listener can see: ingest keeps tags as they are,
    so a draft from tags made only of zero-width or filler characters is stopped here)."""
    problems: dict[str, str] = {}
    if not has_visible(title) or title.strip().lower() in PLACEHOLDERS:
        problems["title"] = "Give the release its title."
    if any(a.strip() and not has_visible(a) for a in artists):
        problems["artists"] = "An artist's name must show at least one visible character."
    elif not [a for a in artists if has_visible(a) and a.strip().lower() not in PLACEHOLDERS]:
        problems["artists"] = "Credit at least one artist."
    if release_date is None:
        problems["release_date"] = "Choose the release date."
    elif p := release_date_problem(release_date, today=today):
        problems["release_date"] = p
    if not track_titles:
        problems["tracks"] = "Upload at least one track."
    for track_id, track_title in track_titles.items():
        if not has_visible(track_title):
            problems[f"tracks.{track_id}.title"] = "Give this track its title."
    return problems
