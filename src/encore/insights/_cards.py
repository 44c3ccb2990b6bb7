"""The story: a Snapshot told as a short list of cards. Pure function; the player and the PNG renderer share it."""

from dataclasses import dataclass

from encore.insights._snapshot import MONTHS, WEEKDAYS, Snapshot
from encore.kernel import without_bidi_controls


@dataclass(frozen=True)
class Card:
    kind: str
    title: str
    big: str
    lines: list[str]


def _name(text: str) -> str:
    """A name alone on its line: without bidirectional overrides and isolates (history rows kept from before
    imports and scrobbles dropped them; probe25a M2), so it reads as written on a shared page and card."""
    return without_bidi_controls(text)


def _isolated(text: str) -> str:
    """A name among other words: also isolated (U+2068 ... U+2069, as the playlist share page does), so a
    right-to-left name keeps its own run and the words around it stay in their order."""
    return f"\u2068{without_bidi_controls(text)}\u2069"


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def cards(s: Snapshot) -> list[Card]:
    span = f"your {s.period}" if s.kind == "year" else f"your {s.period} in music"
    out = [
        Card(
            "intro",
            f"Encore Wrapped {s.period}",
            _plural(s.minutes, "minute"),
            [f"{_plural(s.listens, 'listen')} in {span}", f"on {_plural(s.days_listened, 'day')}"],
        )
    ]
    if s.top_artists:
        top = s.top_artists[0]
        lines = [f"{i + 1}. {_isolated(a.name)}" for i, a in enumerate(s.top5_artists)]
        if s.top_artist_percent is not None:
            lines.append(f"You're in the top {s.top_artist_percent}% of {_isolated(top.name)}'s listeners")
        out.append(Card("top_artists", "Your top artists", _name(top.name), lines))
    if s.top_tracks:
        lines = [f"{i + 1}. {_isolated(t.name)} — {_isolated(t.by)}" for i, t in enumerate(s.top5_tracks)]
        out.append(Card("top_tracks", "Your top songs", _name(s.top_tracks[0].name), lines))
    if s.top_genres:
        out.append(
            Card(
                "top_genres",
                "Your top genres",
                _name(s.top_genres[0].name),
                [f"{i + 1}. {_isolated(g.name)}" for i, g in enumerate(s.top_genres[:5])],
            )
        )
    if s.kind == "decade":
        lines = [
            f"{y.year}: {_isolated(y.track.name)} — {_isolated(y.track.by)}" for y in s.top_track_by_year if y.track
        ]
        if lines:
            out.append(Card("decade", "A song for every year", s.period, lines))
    if s.listens:
        hour = max(range(24), key=lambda h: (s.clock_hour[h], -h))
        day = max(range(7), key=lambda d: (s.clock_weekday[d], -d))
        month = max(range(12), key=lambda m: (s.clock_month[m], -m))
        out.append(
            Card(
                "clock",
                "Your listening clock",
                f"{hour:02d}:00",
                [f"Most of all on {WEEKDAYS[day]}s", f"Your biggest month: {MONTHS[month]}", "Hours in UTC"],
            )
        )
    if s.longest_streak.days:
        lines = [f"{s.longest_streak.start} to {s.longest_streak.end}"]
        if s.most_played_day:
            lines.append(f"Biggest day: {s.most_played_day.date}, {_plural(s.most_played_day.listens, 'listen')}")
        out.append(Card("streak", "Your longest streak", _plural(s.longest_streak.days, "day"), lines))
    if s.new_artists:
        out.append(
            Card(
                "discovery",
                "New artists you found",
                f"{s.new_artists:,}",
                [_name(a.name) for a in s.new_artist_examples],
            )
        )
    if s.eras:
        lines = [f"{e.label}: {_isolated(e.genre or e.artist or '—')}" for e in s.eras if e.listens][:12]
        out.append(Card("eras", "Your eras", _name(s.eras[-1].genre or s.eras[-1].artist or s.period), lines))
    if s.first_track:
        out.append(
            Card(
                "first",
                "Where it started",
                _name(s.first_track.name),
                [_name(s.first_track.by), f"your first listen of {s.period}"],
            )
        )
    summary = [f"Minutes: {s.minutes:,}"]
    summary += [f"Top artist: {_isolated(s.top_artists[0].name)}"] if s.top_artists else []
    summary += [f"Top song: {_isolated(s.top_tracks[0].name)}"] if s.top_tracks else []
    summary += [f"Top genre: {_isolated(s.top_genres[0].name)}"] if s.top_genres else []
    summary += [f"Longest streak: {_plural(s.longest_streak.days, 'day')}"]
    out.append(Card("summary", f"Your {s.period} on Encore", f"{s.listens:,} listens", summary))
    return out
