"""A listener's discovery settings: whether their listening trains the recommender, and autoplay."""

from fastapi import APIRouter, Request

from encore import discovery
from encore.web._deps import CurrentUser, Db, container
from encore.web._discovery_schemas import DiscoveryPatch, DiscoverySettings

router = APIRouter(prefix="/api/me/discovery", tags=["discovery"])


@router.get("")
def get_settings(session: Db, user: CurrentUser) -> DiscoverySettings:
    return DiscoverySettings.of(discovery.preferences(session, user_id=user.id))


@router.patch("")
def change_settings(request: Request, session: Db, user: CurrentUser, body: DiscoveryPatch) -> DiscoverySettings:
    """Opting out leaves your listening out of the next training run (daily); the export shows what was used."""
    prefs = discovery.set_preferences(
        session, user_id=user.id, now=container(request).clock.now(), contribute=body.contribute, autoplay=body.autoplay
    )
    return DiscoverySettings.of(prefs)
