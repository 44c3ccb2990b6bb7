from pathlib import Path

import pytest

from encore.config import DEFAULT_SECRET_KEY, SettingsError, load_settings


def test_production_refuses_the_default_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ENCORE_SECRET_KEY", raising=False)
    monkeypatch.setenv("ENCORE_MODE", "production")
    with pytest.raises(SettingsError, match="default"):
        load_settings()


def test_demo_mode_accepts_the_default_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENCORE_MODE", "demo")
    assert load_settings().secret_key.get_secret_value() == DEFAULT_SECRET_KEY


def test_short_production_secret_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENCORE_SECRET_KEY", "short")
    with pytest.raises(SettingsError, match="32 characters"):
        load_settings(mode="production")


def test_toml_file_and_env_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "encore.toml"
    config.write_text('mode = "dev"\nport = 9001\ndata_dir = "/srv/encore"\n')
    monkeypatch.setenv("ENCORE_CONFIG", str(config))
    monkeypatch.setenv("ENCORE_PORT", "9002")
    settings = load_settings()
    assert settings.port == 9002  # environment wins over the file
    assert settings.data_dir == Path("/srv/encore")
    assert settings.resolved_database_url == "sqlite:////srv/encore/encore.db"


def test_bad_values_are_explained(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENCORE_MODE", "dev")
    monkeypatch.setenv("ENCORE_PORT", "70000")
    with pytest.raises(SettingsError, match="port"):
        load_settings()


def test_unknown_setting_in_toml_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "encore.toml"
    config.write_text('mode = "dev"\nprot = 1\n')
    monkeypatch.setenv("ENCORE_CONFIG", str(config))
    with pytest.raises(SettingsError, match="prot"):
        load_settings()


def test_missing_config_file_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENCORE_CONFIG", "/nonexistent/encore.toml")
    with pytest.raises(SettingsError, match="not a file"):
        load_settings()


def test_transcode_cap_defaults_to_four_and_is_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENCORE_MODE", "dev")
    assert load_settings().max_transcodes == 4
    monkeypatch.setenv("ENCORE_MAX_TRANSCODES", "2")
    assert load_settings().max_transcodes == 2
    monkeypatch.setenv("ENCORE_MAX_TRANSCODES", "-1")
    with pytest.raises(SettingsError, match="max_transcodes"):
        load_settings()


def test_unknown_env_names_get_the_closest_known_name() -> None:
    from encore.config import unknown_env_reasons

    reasons = unknown_env_reasons(
        {"ENCORE_DATABSE_URL": "postgresql://x", "ENCORE_MODE": "dev", "encore_prot": "1", "HOME": "/root"}
    )
    assert reasons == [
        "unknown setting ENCORE_DATABSE_URL (did you mean ENCORE_DATABASE_URL?)",
        "unknown setting encore_prot (did you mean ENCORE_PORT?)",
    ]
    assert unknown_env_reasons({"ENCORE_CONFIG": "/etc/encore.toml", "ENCORE_REDIS_URL": "redis://r"}) == []
    assert "settings.py" in unknown_env_reasons({"ENCORE_ZZZZZZZZZZZZZZ": "1"})[0]


def test_a_typo_in_the_environment_stops_the_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENCORE_MODE", "dev")
    monkeypatch.setenv("ENCORE_DATABSE_URL", "postgresql://db/encore")
    with pytest.raises(SettingsError, match="did you mean ENCORE_DATABASE_URL"):
        load_settings()


def test_the_collectors_young_threshold_is_a_checked_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    from encore.kernel import GEN0_THRESHOLD

    monkeypatch.setenv("ENCORE_MODE", "dev")
    assert load_settings().gc_young_threshold == GEN0_THRESHOLD
    monkeypatch.setenv("ENCORE_GC_YOUNG_THRESHOLD", "700")
    assert load_settings().gc_young_threshold == 700
    for bad in ("0", "-5", "99", "1000001", "lots", "2.5"):  # 0 would turn the collector off
        monkeypatch.setenv("ENCORE_GC_YOUNG_THRESHOLD", bad)
        with pytest.raises(SettingsError, match="gc_young_threshold"):
            load_settings()


def test_the_public_base_url_counts_as_configured_only_when_set(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The default address is no promise: only one an operator set (environment or file) replaces the Host
    header in absolute links (probe15 F7)."""
    monkeypatch.setenv("ENCORE_MODE", "demo")
    monkeypatch.delenv("ENCORE_PUBLIC_BASE_URL", raising=False)
    assert load_settings().configured_public_base_url is None
    monkeypatch.setenv("ENCORE_PUBLIC_BASE_URL", "https://music.example.org/")
    assert load_settings().configured_public_base_url == "https://music.example.org"
    monkeypatch.delenv("ENCORE_PUBLIC_BASE_URL")
    config = tmp_path / "encore.toml"
    config.write_text('public_base_url = "http://127.0.0.1:8000"\n')  # the default's value, set: configured
    monkeypatch.setenv("ENCORE_CONFIG", str(config))
    assert load_settings().configured_public_base_url == "http://127.0.0.1:8000"


def test_a_public_address_is_absolute_and_loses_its_trailing_slash(monkeypatch: pytest.MonkeyPatch) -> None:
    """probe25b M4: `music.example.org` was taken, and every absolute link Encore gave out was a relative path."""
    monkeypatch.setenv("ENCORE_MODE", "dev")
    monkeypatch.setenv("ENCORE_PUBLIC_BASE_URL", "https://music.example.org/encore/")
    monkeypatch.setenv("ENCORE_EDGE_BASE_URL", "http://[::1]:8080/")
    settings = load_settings()
    assert settings.public_base_url == settings.configured_public_base_url == "https://music.example.org/encore"
    assert settings.edge_base_url == "http://[::1]:8080"
    for wrong in ("music.example.org", "//music.example.org", "https://", "https://m.example.org:99999", "ftp://m"):
        monkeypatch.setenv("ENCORE_PUBLIC_BASE_URL", wrong)
        with pytest.raises(SettingsError, match="public_base_url"):
            load_settings()
