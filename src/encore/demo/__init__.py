"""The demo catalogue: planned from a seed, synthesised offline, written as ordinary tagged files."""

from encore.demo._files import write_demo_library
from encore.demo._plan import DemoAlbum, DemoArtist, DemoCatalogue, DemoSpec, DemoTrack, plan_catalogue, upc_with_check
from encore.demo._synth import synthesize

__all__ = [
    "DemoAlbum",
    "DemoArtist",
    "DemoCatalogue",
    "DemoSpec",
    "DemoTrack",
    "plan_catalogue",
    "synthesize",
    "upc_with_check",
    "write_demo_library",
]
