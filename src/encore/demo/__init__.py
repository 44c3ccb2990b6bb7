"""The demo catalogue: planned from a seed, synthesised offline, written as ordinary tagged files."""

from encore.demo._files import write_demo_library
from encore.demo._history import Listener, demo_periods, seed_listening
from encore.demo._plan import DemoAlbum, DemoArtist, DemoCatalogue, DemoSpec, DemoTrack, plan_catalogue, upc_with_check
from encore.demo._synth import synthesize

__all__ = [
    "DemoAlbum",
    "DemoArtist",
    "DemoCatalogue",
    "DemoSpec",
    "DemoTrack",
    "Listener",
    "demo_periods",
    "plan_catalogue",
    "seed_listening",
    "synthesize",
    "upc_with_check",
    "write_demo_library",
]
