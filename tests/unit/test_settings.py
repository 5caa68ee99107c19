import pytest

from orchestrator.settings import SettingsError, load_settings


def test_load_settings_when_nothing_configured_then_embedded_defaults() -> None:
    settings = load_settings()
    assert settings.database_url.startswith("sqlite")
    assert settings.timeframe == "H1"
    assert settings.paper.starting_balance > 0


def test_load_settings_when_env_value_invalid_then_error_names_setting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COUNTERSIGN_BAR_COUNT", "lots")
    with pytest.raises(SettingsError, match="COUNTERSIGN_BAR_COUNT"):
        load_settings()


def test_load_settings_when_nested_value_out_of_range_then_error_names_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COUNTERSIGN_PAPER__LEVERAGE", "0")
    with pytest.raises(SettingsError, match=r"COUNTERSIGN_PAPER__LEVERAGE \(paper.leverage\)"):
        load_settings()


def test_load_settings_when_toml_file_given_then_env_overrides_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    config = tmp_path / "desk.toml"
    config.write_text('timeframe = "m15"\nwatchlist = ["xauusd"]\nbar_count = 120\n')
    monkeypatch.setenv("COUNTERSIGN_CONFIG_FILE", str(config))
    monkeypatch.setenv("COUNTERSIGN_BAR_COUNT", "200")
    settings = load_settings()
    assert (settings.timeframe, settings.watchlist, settings.bar_count) == ("M15", ["XAUUSD"], 200)


def test_load_settings_when_config_file_missing_then_error_names_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    monkeypatch.setenv("COUNTERSIGN_CONFIG_FILE", str(tmp_path / "nope.toml"))
    with pytest.raises(SettingsError, match=r"nope\.toml"):
        load_settings()


def test_load_settings_when_timeframe_unknown_then_error_lists_known_ones(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COUNTERSIGN_TIMEFRAME", "H2")
    with pytest.raises(SettingsError, match="unknown timeframe 'H2'"):
        load_settings()


def test_load_settings_when_toml_has_unknown_key_then_error_names_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    config = tmp_path / "desk.toml"
    config.write_text("bar_cuont = 10\n")
    monkeypatch.setenv("COUNTERSIGN_CONFIG_FILE", str(config))
    with pytest.raises(SettingsError, match="bar_cuont"):
        load_settings()


def test_load_settings_when_agent_override_names_unknown_role_then_error_names_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COUNTERSIGN_LLM_AGENTS", '{"janitor": {"model": "x"}}')
    with pytest.raises(SettingsError, match=r"COUNTERSIGN_LLM_AGENTS.*unknown agent.*janitor"):
        load_settings()
