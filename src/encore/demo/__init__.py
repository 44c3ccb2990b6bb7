"""The demo catalogue: planned from a seed, synthesised offline, written as ordinary tagged files.

The writers and the synthesiser (PyAV, numpy, soundfile, Pillow) load on first use: the web face reads the
build's progress on every home page, and a server that never builds the demo should not map them (#16).
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

from encore.demo._accounts import (
    AD_ISRC,
    DEMO_LOGINS,
    DemoLogin,
    ad_spot_catalogue,
    ensure_demo_world,
    standing_logins,
    write_ad_spot,
)
from encore.demo._extras import ensure_extras, extras_album, gallery_images, has_gallery
from encore.demo._history import Listener, demo_periods, seed_listening
from encore.demo._lock import adopt_build_lock, builder_running, try_build_lock, wait_build_lock
from encore.demo._plan import DemoAlbum, DemoArtist, DemoCatalogue, DemoSpec, DemoTrack, plan_catalogue, upc_with_check
from encore.demo._progress import BuildProgress, library_dir, read_progress, write_progress

if TYPE_CHECKING:
    from encore.demo._files import album_folder, write_demo_library
    from encore.demo._synth import synthesize

_HEAVY = {
    "album_folder": "encore.demo._files",
    "write_demo_library": "encore.demo._files",
    "synthesize": "encore.demo._synth",
}


def __getattr__(name: str) -> Any:
    if name in _HEAVY:
        return getattr(import_module(_HEAVY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "AD_ISRC",
    "DEMO_LOGINS",
    "BuildProgress",
    "DemoAlbum",
    "DemoArtist",
    "DemoCatalogue",
    "DemoLogin",
    "DemoSpec",
    "DemoTrack",
    "Listener",
    "ad_spot_catalogue",
    "adopt_build_lock",
    "album_folder",
    "builder_running",
    "demo_periods",
    "ensure_demo_world",
    "ensure_extras",
    "extras_album",
    "gallery_images",
    "has_gallery",
    "library_dir",
    "plan_catalogue",
    "read_progress",
    "seed_listening",
    "standing_logins",
    "synthesize",
    "try_build_lock",
    "upc_with_check",
    "wait_build_lock",
    "write_ad_spot",
    "write_demo_library",
    "write_progress",
]
