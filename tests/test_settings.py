"""Settings checks: what pydantic used to check, now by hand (issue 15: loading the settings
must not import pydantic). Values from the environment and the config file are coerced, bad
ones refused with the field, the value, what is allowed and where the value came from."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import FrozenInstanceError, replace
from pathlib import Path

import pytest

from brainstorm.config import ENV_VARS, ConfigError, InvalidSettings, Settings, load_settings


@pytest.fixture(autouse=True)
def config_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for var in ENV_VARS.values():
        monkeypatch.delenv(var, raising=False)
    path = tmp_path / "config.toml"
    monkeypatch.setenv("BRAINSTORM_CONFIG", str(path))
    return path


def refusal(**flags: object) -> str:
    with pytest.raises(ConfigError) as raised:
        load_settings(**flags)
    return str(raised.value)


def test_loading_settings_does_not_import_pydantic() -> None:
    code = "import sys, brainstorm.config; print('pydantic' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_a_misspelt_backend_names_the_choices_and_the_file(config_file: Path) -> None:
    config_file.write_text('backend = "olama"\n')
    assert refusal() == (
        "invalid settings (backend: 'olama' is not one of auto, ollama, openai, embedded"
        f" (from config file {config_file}))"
    )
    config_file.write_text('backend = "openai"\nduplicates = "fuzzy"\n')
    message = refusal()
    assert "duplicates: 'fuzzy' is not one of text, embeddings, auto" in message
    assert "backend:" not in message  # the good value is not blamed


@pytest.mark.parametrize("value", ["0", "257", "many", "2.5", "-1"])
def test_per_host_outside_1_to_256_is_refused(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("BRAINSTORM_PER_HOST", value)
    assert refusal() == (
        f"invalid settings (per_host: '{value}' is not a whole number from 1 to 256"
        " (from BRAINSTORM_PER_HOST))"
    )


def test_per_host_bounds_are_allowed_and_a_boolean_is_not(config_file: Path) -> None:
    assert load_settings(per_host=1).per_host == 1
    assert load_settings(per_host=256).per_host == 256
    config_file.write_text("per_host = true\n")
    assert "per_host: True is not a whole number from 1 to 256" in refusal()


@pytest.mark.parametrize("value", [0, 1.5, -0.2, "nan", "high"])
def test_duplicate_threshold_must_be_above_0_and_at_most_1(value: object) -> None:
    message = refusal(duplicate_threshold=value)
    assert message.startswith(f"invalid settings (duplicate_threshold: {value!r} is not a number")
    assert "above 0 and at most 1" in message and "(from the command line)" in message


def test_threshold_of_exactly_1_is_allowed() -> None:
    assert load_settings(duplicate_threshold=1).duplicate_threshold == 1.0


def test_an_unknown_key_in_the_config_file_is_refused(config_file: Path) -> None:
    config_file.write_text('model = "qwen3"\ncolour = "blue"\n')
    message = refusal()
    assert message.startswith("invalid settings (colour: not a setting (known: backend, ")
    assert f"(from config file {config_file})" in message


def test_every_problem_is_reported_at_once(config_file: Path) -> None:
    config_file.write_text('model = 3\ntimeout = -5\nsessions_dir = 7\nhosts = ["a", 2]\n')
    problems = refusal()
    for expected in (
        "model: 3 is not text",
        "timeout: -5 is not a number of seconds above 0",
        "sessions_dir: 7 is not a path",
        "hosts: ['a', 2] is not a host or a list of hosts",
    ):
        assert expected in problems


def test_strings_from_the_environment_become_numbers(
    monkeypatch: pytest.MonkeyPatch, config_file: Path
) -> None:
    monkeypatch.setenv("BRAINSTORM_PER_HOST", " 3 ")
    monkeypatch.setenv("BRAINSTORM_DUPLICATE_THRESHOLD", "0.9")
    config_file.write_text("timeout = 30\n")
    settings = load_settings()
    assert settings.per_host == 3 and type(settings.per_host) is int
    assert settings.duplicate_threshold == 0.9 and type(settings.duplicate_threshold) is float
    assert settings.timeout == 30.0 and type(settings.timeout) is float


def test_home_is_expanded_in_both_directories(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BRAINSTORM_SESSIONS_DIR", "~/ideas")
    monkeypatch.setenv("BRAINSTORM_EXPORT_DIR", "~/out")
    settings = load_settings()
    assert settings.sessions_dir == Path.home() / "ideas"
    assert settings.export_dir == Path.home() / "out"
    assert Settings(sessions_dir="~/direct").sessions_dir == Path.home() / "direct"  # type: ignore[arg-type]


def test_replace_checks_and_normalises_again() -> None:
    settings = Settings(host="gpu1:11434, gpu2:11434")
    assert settings.hosts == ("gpu1:11434", "gpu2:11434") and settings.host == "gpu1:11434"
    with pytest.raises(InvalidSettings, match=r"per_host: 0 is not a whole number from 1 to 256"):
        replace(settings, per_host=0)
    with pytest.raises(InvalidSettings, match=r"backend: 'gpu' is not one of"):
        replace(settings, backend="gpu")  # type: ignore[arg-type]
    moved = replace(settings, hosts=("laptop:11434",), sessions_dir="~/s")  # type: ignore[arg-type]
    assert moved.host == "laptop:11434" and moved.hosts == ("laptop:11434",)
    assert moved.sessions_dir == Path.home() / "s"
    assert replace(settings, voter="ana").hosts == settings.hosts  # the hosts survive a copy


def test_settings_are_frozen_and_compare_by_value() -> None:
    settings = Settings(model="qwen3")
    with pytest.raises(FrozenInstanceError):
        settings.model = "other"  # type: ignore[misc]
    assert settings == Settings(model="qwen3") and settings != Settings()
