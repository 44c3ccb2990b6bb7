"""The demo build's progress for the player's home notice ("Building the demo catalogue: 4/20 albums").

Thin: one read of the file the builder writes (encore.demo owns it), mapped to JSON. Signed-in listeners
only, like the home page that shows it.
"""

from typing import Any

from fastapi import APIRouter, Request, Response

from encore import demo
from encore.web._deps import CurrentUser, container

router = APIRouter(prefix="/api/demo", tags=["demo"])


@router.get("/build")
def build_progress(request: Request, response: Response, user: CurrentUser) -> dict[str, Any]:
    response.headers["Cache-Control"] = "no-store"
    progress = demo.read_progress(demo.library_dir(container(request).settings.data_dir))
    if progress is None or progress.finished:
        return {"building": False}
    return {
        "building": True,
        "albums_done": progress.albums_done,
        "albums_total": progress.albums_total,
        "tracks_done": progress.tracks_done,
        "tracks_total": progress.tracks_total,
        "stage": progress.stage,
    }
