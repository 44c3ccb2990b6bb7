"""/v1/recommendations and /v1/artists/{id}/related-artists, from Encore's own recommender (discovery)."""

from functools import partial
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic_core import to_json
from sqlalchemy.orm import Session

from encore import catalog, discovery, oauth
from encore.kernel import ValidationFailed
from encore.web import _spliced as spliced
from encore.web._deps import container
from encore.web.spotify import _schemas as s
from encore.web.spotify._edge import ERROR_RESPONSES, AnyTokenGate, SpotifyRoute, address
from encore.web.spotify._market import Market, check_market
from encore.web.spotify._schemas import ID_EXAMPLE
from encore.web.spotify._shapes import artist_full, track_albums, track_full
from encore.web.spotify._tunables import tunable_problem

router = APIRouter(prefix="/v1", tags=["Web API: recommendations"], route_class=SpotifyRoute, responses=ERROR_RESPONSES)
SeedList = Annotated[str | None, Query(max_length=2000, description="Comma-separated; 1-5 seeds in all")]
RELATED = 20


def _seeds(raw: str | None) -> list[str]:
    return [part.strip() for part in (raw or "").split(",") if part.strip()]


@router.get("/recommendations", summary="Get recommendations", response_model=s.Recommendations)
async def recommendations(
    *,
    request: Request,
    gate: AnyTokenGate,
    seed_artists: SeedList = None,
    seed_genres: SeedList = None,
    seed_tracks: SeedList = None,
    limit: Annotated[int, Query(ge=1, le=100, description="1-100")] = 20,
    market: Market = None,
) -> Response:
    """Tracks like 1-5 seeds, learnt from Encore's listening (never from fewer than 5 listeners) and the
    catalogue; only tracks the caller may play now. Tunable attributes (`target_energy`...) are not read,
    but one out of Spotify's range for it (energy 0-1, key 0-11, popularity 0-100...) is refused (400)."""
    check_market(market)
    (base, public), clock = address(request), container(request).clock
    problem = tunable_problem(request.query_params.multi_items())

    def read(session: Session, access: oauth.Access) -> bytes:
        if problem is not None:  # here, after the token was checked: who is asking comes before what (401, 400)
            raise ValidationFailed(problem)
        found = discovery.recommend(
            session,
            user_id=access.user_id,
            tracks=_seeds(seed_tracks),
            artists=_seeds(seed_artists),
            genres=_seeds(seed_genres),
            limit=limit,
            now=clock.now(),
        )
        # Each seed's JSON around its id, then every track's: each track here is one the caller may play now, so
        # each is the shared `is_playable: true` JSON. Kept as made for the answer's key (it names the answer by
        # its seeds' rows, for this catalogue generation and the caller's class), and only for the public
        # address: made-up Hosts must not churn the bounded cache every answer reads. An entry holds the shared
        # track parts, not a copy of them: a kept answer costs one join of ~20 parts and the seeds' ids, which
        # are written as sent ("Hip Hop" and "hip-hop" share the entry and each is named as asked).
        made = partial(_answer_json, session, base, found, keep=public)
        parts = discovery.face_kept(session, ("v1/recommendations", found.key), made) if public else made()
        return _joined(found, parts)

    return Response(await gate.run(read), media_type="application/json")


_ID, _AFTER_ID = b'"id":', b',"initialPoolSize":'


def _joined(found: discovery.Recommendations, parts: tuple[bytes, ...]) -> bytes:
    """The answer's JSON from its kept parts: each seed's JSON before and after its id, then the tracks'."""
    n = len(found.seeds)
    seeds = (parts[2 * i] + to_json(seed.id) + parts[2 * i + 1] for i, seed in enumerate(found.seeds))
    return b'{"seeds":[' + b",".join(seeds) + b'],"tracks":[' + b",".join(parts[2 * n :]) + b"]}"


def _answer_json(session: Session, base: str, found: discovery.Recommendations, *, keep: bool) -> tuple[bytes, ...]:
    """Each seed's JSON object before and after its id (the id is the seed as sent: written per request), then
    each track's JSON."""
    seeds = []
    for seed in found.seeds:
        whole = s.RecommendationSeed(
            afterFilteringSize=seed.after_filtering,
            afterRelaxationSize=seed.after_filtering,
            href=None if seed.kind == "genre" else f"{base}/v1/{seed.kind}s/{seed.id}",  # one spelling: the row's
            id=seed.id,
            initialPoolSize=seed.initial_pool,
            type=seed.kind.upper(),
        ).model_dump_json()
        # Unescaped quotes appear only around keys and values, so the id's key and the next one split the object
        before, _, rest = whole.encode().partition(_ID)
        seeds += [before + _ID, _AFTER_ID + rest.partition(_AFTER_ID)[2]]
    views = catalog.track_views_in_order(session, found.track_ids)
    return (*seeds, *_track_json(session, base, views, keep=keep))


def _track_json(session: Session, base: str, views: list[catalog.TrackView], *, keep: bool) -> list[bytes]:
    """Each track's Spotify JSON, built once per track and kept until the catalogue changes (for the public
    address only: `keep`)."""
    albums: dict[str, catalog.AlbumSummary] | None = None

    def made(view: catalog.TrackView) -> bytes:
        nonlocal albums
        if albums is None:  # the first track not kept yet reads every track's album at once
            albums = track_albums(session, views)
        return track_full(base, view, albums.get(view.album_id)).model_dump_json().encode()

    return [spliced.kept(session, ("v1/recommended", v.id), partial(made, v), keep=keep) for v in views]


@router.get("/artists/{id}/related-artists", summary="Get an artist's related artists", response_model=s.RelatedArtists)
async def related_artists(
    request: Request,
    gate: AnyTokenGate,
    id: Annotated[str, Path(pattern=r"^[0-9A-Za-z]{22}$", examples=[ID_EXAMPLE])],
) -> Response:
    """Up to 20 artists whose listeners overlap (5 or more shared listeners per pair), then catalogue kin."""
    base, public = address(request)

    def read(session: Session, _access: oauth.Access) -> bytes:
        ids = discovery.related_artists(session, artist_id=id, limit=RELATED)  # NotFound first, kept or not
        made = partial(_artists_json, session, base, ids, keep=public)
        bodies = discovery.face_kept(session, ("v1/related-artists", id), made) if public else made()
        return b'{"artists":[' + b",".join(bodies) + b"]}"

    return Response(await gate.run(read), media_type="application/json")


def _artists_json(session: Session, base: str, ids: list[int], *, keep: bool) -> tuple[bytes, ...]:
    """Each artist's JSON, built once per artist and kept until the catalogue changes (shared by every answer
    that names the artist; for the public address only: `keep`)."""
    found: dict[int, catalog.ArtistSummary] | None = None

    def made(row: int) -> bytes:
        nonlocal found
        if found is None:  # the first artist not kept yet reads them all at once
            found = catalog.artist_summaries_by_ids(session, ids)
        return artist_full(base, found[row]).model_dump_json().encode() if row in found else b""

    bodies = (spliced.kept(session, ("v1/related", a), partial(made, a), keep=keep) for a in ids)
    return tuple(b for b in bodies if b)
