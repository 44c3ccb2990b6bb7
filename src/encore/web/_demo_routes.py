"""The demo build's progress for the player's home notice ("Building the demo catalogue: 4/20 albums").

Thin: one read of the file the builder writes (encore.demo owns it), mapped to JSON. An unfinished build
that no builder holds the lock of has stopped (its process died half way): "stopped", so home says how to
finish it instead of asking again forever. Signed-in listeners only, like the home page that shows it.
"""

from typing import Any

from fastapi import APIRouter, Request, Response

from encore import demo
from encore.web._deps import CurrentUser, container

router = APIRouter(prefix="/api/demo", tags=["demo"])


@router.get("/build")
def build_progress(request: Request, response: Response, user: CurrentUser) -> dict[str, Any]:
    response.headers["Cache-Control"] = "no-store"
    library = demo.library_dir(container(request).settings.data_dir)
    progress = demo.read_progress(library)
    if progress is None or progress.finished:
        return {"building": False, "stopped": False}
    running = demo.builder_running(library)
    return {
        "building": running,
        "stopped": not running,
        "albums_done": progress.albums_done,
        "albums_total": progress.albums_total,
        "tracks_done": progress.tracks_done,
        "tracks_total": progress.tracks_total,
        "stage": progress.stage,
    }
