"""The serving process starts without the libraries only some requests or jobs use (#16, RSS at start)."""

import subprocess
import sys

# Each is imported where it is used: the billing provider at checkout, scipy and numpy by the recommender's
# training and ingest, PyAV by ingest and transcodes, soundfile by ingest, Pillow by artwork and Wrapped
# cards, segno by the QR code. (huey's consumer stays: huey's own api module imports it.)
NOT_AT_START = ("stripe", "scipy", "numpy", "av", "soundfile", "PIL", "segno")


def test_importing_the_app_and_the_command_line_leaves_heavy_libraries_out() -> None:
    code = (
        "import sys, encore.web._app, encore.cli, encore.bootstrap\n"
        f"print(','.join(m for m in {NOT_AT_START!r} if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert out.stdout.strip() == ""


def test_the_stripe_default_address_is_stripe_s_own() -> None:
    import stripe

    from encore.billing import StripeConfig

    assert StripeConfig(secret_key="k", webhook_secret="w", price_id="p").api_base == stripe.DEFAULT_API_BASE
