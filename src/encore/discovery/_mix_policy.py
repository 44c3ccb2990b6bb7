"""Mix decisions as pure functions (no database): which artists make one Daily Mix, how familiar and new
tracks alternate, what a mix is called, and when a stored mix is due for a rebuild."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from encore.discovery._policy import Decision

DAILY, DISCOVER, RADAR = "daily", "discover", "radar"
KINDS = (DAILY, DISCOVER, RADAR)
MAX_DAILY = 6
MIX_LENGTH = 50  # a Daily Mix
WEEKLY_LENGTH = 30  # Discover Weekly, Release Radar
RADAR_DAYS = 28  # "new" is released in the last four weeks


@dataclass
class Cluster:
    """Artists of one taste: one genre (or, for artists without one, an artist and its neighbours)."""

    genre: int | None
    artists: list[int] = field(default_factory=list)
    weight: float = 0.0


def cluster_artists(
    artists: Sequence[tuple[int, float]],
    *,
    genre_of: Mapping[int, int | None],
    neighbours: Mapping[int, Sequence[int]],
    limit: int = MAX_DAILY,
) -> list[Cluster]:
    """Group the listener's artists (best first, with their weight) by main genre; an artist with no genre
    joins the cluster of its first placed neighbour, else starts its own. The `limit` heaviest clusters."""
    by_genre: dict[int, Cluster] = {}
    placed: dict[int, Cluster] = {}
    clusters: list[Cluster] = []
    for artist, weight in artists:
        genre = genre_of.get(artist)
        cluster = by_genre.get(genre) if genre is not None else None
        if cluster is None and genre is None:
            cluster = next((placed[n] for n in neighbours.get(artist, ()) if n in placed), None)
        if cluster is None:
            cluster = Cluster(genre)
            clusters.append(cluster)
            if genre is not None:
                by_genre[genre] = cluster
        cluster.artists.append(artist)
        cluster.weight += weight
        placed[artist] = cluster
    return sorted(clusters, key=lambda c: -c.weight)[:limit]  # stable: ties keep the listener's order


def interleave(familiar: Sequence[int], fresh: Sequence[int], *, length: int) -> list[int]:
    """Familiar and new in turn (familiar first), each once, until `length`; the longer list fills the rest."""
    out: list[int] = []
    seen: set[int] = set()
    for i in range(max(len(familiar), len(fresh))):
        if len(out) >= length:
            break  # full: the rest of the (often long) candidate lists is never read
        for source in (familiar, fresh):
            if i < len(source) and source[i] not in seen and len(out) < length:
                seen.add(source[i])
                out.append(source[i])
    return out


def round_robin(groups: Sequence[Sequence[int]], *, length: int) -> list[int]:
    """One from each group in turn (releases, genres), so no single group fills the mix."""
    out: list[int] = []
    seen: set[int] = set()
    depth = max((len(g) for g in groups), default=0)
    for i in range(depth):
        if len(out) >= length:
            break  # full: the rest of the groups is never read
        for group in groups:
            if i < len(group) and group[i] not in seen and len(out) < length:
                seen.add(group[i])
                out.append(group[i])
    return out


def daily_description(artist_names: Sequence[str], genre: str | None) -> str:
    """ "Ada, Bo and Cy" (+ " · Hip Hop"): the mix is named by its main artists and its genre."""
    names = list(artist_names[:3])
    if len(names) <= 1:
        text = "".join(names)
    elif len(artist_names) > 3:
        text = ", ".join(names) + " and more"
    else:
        text = ", ".join(names[:-1]) + " and " + names[-1]
    return f"{text} · {genre}" if genre else text


def due(kind: str, *, built_at: datetime | None, now: datetime) -> Decision:
    """Daily Mixes are rebuilt once a UTC day; Discover Weekly and Release Radar once an ISO week (Mondays)."""
    if built_at is None:
        return Decision(True, "never_built")
    same_day, same_week = built_at.date() == now.date(), built_at.isocalendar()[:2] == now.isocalendar()[:2]
    fresh = same_day if kind == DAILY else same_week
    return Decision(False, "fresh") if fresh else Decision(True, "stale")
