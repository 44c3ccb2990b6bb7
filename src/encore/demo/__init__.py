"""The demo catalogue: planned from a seed, synthesised offline, written as ordinary tagged files."""

from encore.demo._accounts import AD_ISRC, DEMO_LOGINS, DemoLogin, ad_spot_catalogue, ensure_demo_world, write_ad_spot
from encore.demo._files import write_demo_library
from encore.demo._plan import DemoAlbum, DemoArtist, DemoCatalogue, DemoSpec, DemoTrack, plan_catalogue, upc_with_check
from encore.demo._synth import synthesize

__all__ = [
    "AD_ISRC",
    "DEMO_LOGINS",
    "DemoAlbum",
    "DemoArtist",
    "DemoCatalogue",
    "DemoLogin",
    "DemoSpec",
    "DemoTrack",
    "ad_spot_catalogue",
    "ensure_demo_world",
    "plan_catalogue",
    "synthesize",
    "upc_with_check",
    "write_ad_spot",
    "write_demo_library",
]
