"""Pure rules for a label's release form: each returns {field: sentence} (empty when all is well), so the
form can say what is wrong next to the field it is about."""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from encore.kernel import (
    bidi_refusal,
    has_bidi_control,
    has_visible,
    is_isrc,
    towering_refusal,
)

FIRST_YEAR = 1900  # no recording older than this is released here
YEARS_AHEAD = 10  # a pre-release may be announced this far ahead
MAX_TITLE = 300
MAX_ARTISTS = 20
MAX_TRACK_NUMBER = 999  # as TrackEdit and ingest allow
MAX_DISC_NUMBER = 99
NAMED = 4  # tracks a numbering sentence names (a release of 500 tracks all numbered 1 is not listed whole)
PLACEHOLDERS = frozenset({"unknown album", "unknown artist", "untitled"})  # what ingest writes when tags lack it


@dataclass(frozen=True)
class TrackForm:
    id: str
    title: str | None  # None: unchanged
    isrc: str | None  # None: unchanged, "": clear
    track_number: str | None = None  # as typed; None: unchanged
    disc_number: str | None = None


@dataclass(frozen=True)
class NumberedTrack:
    """A track as the numbering rule sees it."""

    id: str
    title: str
    disc: int
    number: int


def parse_number(text: str, *, what: str, most: int) -> tuple[int | None, str | None]:
    """'3' -> 3; '0', '-1', '1.5', 'abc', '1000' -> a sentence. Only ASCII digits: `int()` reads '٣' and '1_0'."""
    digits = text.strip()
    if not digits:
        return None, f"Give this track its {what} number."
    if digits.isascii() and digits.isdigit() and len(digits) <= 6 and 0 < int(digits) <= most:
        return int(digits), None
    return None, f"A {what} number is a whole number from 1 to {most}."


def track_numbers(t: TrackForm) -> tuple[int | None, int | None]:
    """The form's track and disc numbers, each None when unchanged or not a number (`edit_problems` says why)."""
    track = parse_number(t.track_number, what="track", most=MAX_TRACK_NUMBER)[0] if t.track_number is not None else None
    disc = parse_number(t.disc_number, what="disc", most=MAX_DISC_NUMBER)[0] if t.disc_number is not None else None
    return track, disc


def normal_isrc(text: str) -> str:
    """'us-rc1-76-07839 ' -> 'USRC17607839' (ISRCs are often written with hyphens)."""
    return text.replace("-", "").replace(" ", "").upper()


def _title_problem(title: str, what: str) -> str | None:
    if len(title) > MAX_TITLE:
        return f"{what} can be at most {MAX_TITLE} characters."
    if title.strip() and not has_visible(title):  # empty may be saved while the form is filled in
        return f"{what} must show at least one visible character."
    if has_bidi_control(title):  # tags lose these (probe24b F6); a title typed in the form is refused (review24n N2)
        return bidi_refusal(what)
    return towering_refusal(title, what)  # every listener sees it: no tower over the rows (review31a L2)


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
        elif any(has_bidi_control(a) for a in artists):
            problems["artists"] = bidi_refusal("An artist's name")
        elif towering := next(filter(None, (towering_refusal(a, "An artist's name") for a in artists)), None):
            problems["artists"] = towering
    for t in tracks:
        if t.title is not None and (p := _title_problem(t.title, "A track title")):
            problems[f"tracks.{t.id}.title"] = p
        if t.isrc and not is_isrc(normal_isrc(t.isrc)):
            problems[f"tracks.{t.id}.isrc"] = (
                "An ISRC is 12 letters and digits: country, registrant, year, number (for example USRC17607839)."
            )
        for field, text, what, most in (
            ("track_number", t.track_number, "track", MAX_TRACK_NUMBER),
            ("disc_number", t.disc_number, "disc", MAX_DISC_NUMBER),
        ):
            if text is not None and (p := parse_number(text, what=what, most=most)[1]):
                problems[f"tracks.{t.id}.{field}"] = p
    return problems


def _quoted(title: str) -> str:
    return f"“{title[:60]}…”" if len(title) > 60 else f"“{title}”"


def numbering_problems(tracks: Sequence[NumberedTrack]) -> dict[str, str]:
    """Two tracks of a release with one number (on one disc) are refused, next to each of them, in a sentence
    naming them: untagged uploads were all track 1 (probe23 F4). Gaps are allowed (a bonus track, a track
    left out)."""
    by_place: dict[tuple[int, int], list[NumberedTrack]] = {}
    for t in tracks:
        by_place.setdefault((t.disc, t.number), []).append(t)
    discs = len({t.disc for t in tracks}) > 1
    problems: dict[str, str] = {}
    for (disc, number), same in sorted(by_place.items()):
        if len(same) < 2:
            continue
        names = [_quoted(t.title) for t in same[:NAMED]]
        more = len(same) - len(names)
        listed = ", ".join(names[:-1]) + " and " + names[-1] if not more else f"{', '.join(names)} and {more} more"
        where = f" of disc {disc}" if discs else ""
        both = "both" if len(same) == 2 else "all"
        sentence = f"{listed} are {both} track {number}{where}: give each track its own number."
        for t in same:
            problems[f"tracks.{t.id}.track_number"] = sentence
    return problems


def publish_problems(
    *,
    title: str,
    artists: Sequence[str],
    release_date: date | None,
    track_titles: dict[str, str],
    today: date,
    numbering: Sequence[NumberedTrack] = (),
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
    return problems | numbering_problems(numbering)
