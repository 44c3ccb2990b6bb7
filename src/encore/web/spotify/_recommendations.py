"""/v1/recommendations and /v1/artists/{id}/related-artists, from Encore's own recommender (discovery)."""

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request

from encore import catalog, discovery
from encore.web._deps import Db, container
from encore.web.spotify import _schemas as s
from encore.web.spotify._edge import ERROR_RESPONSES, AnyToken, SpotifyRoute, base_url
from encore.web.spotify._schemas import ID_EXAMPLE
from encore.web.spotify._shapes import artist_full, track_full

router = APIRouter(prefix="/v1", tags=["Web API: recommendations"], route_class=SpotifyRoute, responses=ERROR_RESPONSES)
SeedList = Annotated[str | None, Query(max_length=2000, description="Comma-separated; 1-5 seeds in all")]
RELATED = 20


def _seeds(raw: str | None) -> list[str]:
    return [part.strip() for part in (raw or "").split(",") if part.strip()]


@router.get("/recommendations", summary="Get recommendations")
def recommendations(
    *,
    request: Request,
    session: Db,
    access: AnyToken,
    seed_artists: SeedList = None,
    seed_genres: SeedList = None,
    seed_tracks: SeedList = None,
    limit: Annotated[int, Query(ge=1, le=100, description="1-100")] = 20,
    market: Annotated[str | None, Query(max_length=10, description="Accepted and ignored")] = None,
) -> s.Recommendations:
    """Tracks like 1-5 seeds, learnt from Encore's listening (never from fewer than 5 listeners) and the
    catalogue; only tracks the caller may play now. Tunable attributes (`target_energy`...) are ignored."""
    found = discovery.recommend(
        session,
        user_id=access.user_id,
        tracks=_seeds(seed_tracks),
        artists=_seeds(seed_artists),
        genres=_seeds(seed_genres),
        limit=limit,
        now=container(request).clock.now(),
    )
    base = base_url(request)
    views = catalog.track_views_in_order(session, found.track_ids)
    albums = catalog.albums_by_public_ids(session, ids=[t.album_id for t in views])
    seeds = [
        s.RecommendationSeed(
            afterFilteringSize=seed.after_filtering,
            afterRelaxationSize=seed.after_filtering,
            href=None if seed.kind == "genre" else f"{base}/v1/{seed.kind}s/{seed.id}",
            id=seed.id,
            initialPoolSize=seed.initial_pool,
            type=seed.kind.upper(),
        )
        for seed in found.seeds
    ]
    return s.Recommendations(seeds=seeds, tracks=[track_full(base, t, albums.get(t.album_id)) for t in views])


@router.get("/artists/{id}/related-artists", summary="Get an artist's related artists")
def related_artists(
    request: Request,
    session: Db,
    _access: AnyToken,
    id: Annotated[str, Path(pattern=r"^[0-9A-Za-z]{22}$", examples=[ID_EXAMPLE])],
) -> s.RelatedArtists:
    """Up to 20 artists whose listeners overlap (5 or more shared listeners per pair), then catalogue kin."""
    ids = discovery.related_artists(session, artist_id=id, limit=RELATED)
    found = catalog.artist_summaries_by_ids(session, ids)
    base = base_url(request)
    return s.RelatedArtists(artists=[artist_full(base, found[a]) for a in ids if a in found])
