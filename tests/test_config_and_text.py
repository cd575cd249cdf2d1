"""Settings precedence and the literal-text helper."""

from __future__ import annotations

from pathlib import Path

import pytest

from brainstorm.config import ConfigError, load_settings
from brainstorm.textsafe import visible


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for var in ("BRAINSTORM_SESSIONS_DIR", "OLLAMA_HOST", "BRAINSTORM_MODEL", "BRAINSTORM_BACKEND"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("BRAINSTORM_CONFIG", str(tmp_path / "config.toml"))


def test_defaults_without_any_source() -> None:
    settings = load_settings()
    assert (settings.sessions_dir, settings.model, settings.backend) == (
        Path("sessions"),
        "llama3.2",
        "auto",
    )


def test_flags_beat_environment_beat_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text('model = "from-file"\nhost = "http://file:1"\n')
    assert load_settings().model == "from-file"
    monkeypatch.setenv("BRAINSTORM_MODEL", "from-env")
    assert load_settings().model == "from-env"
    assert load_settings().host == "http://file:1"
    assert load_settings(model="from-flag", host=None).model == "from-flag"


def test_export_dir_defaults_beside_the_sessions_and_can_be_set(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("BRAINSTORM_EXPORT_DIR", raising=False)
    (tmp_path / "config.toml").write_text(f'sessions_dir = "{tmp_path}/work/sessions"\n')
    assert load_settings().export_directory() == tmp_path / "work" / "exports"
    (tmp_path / "config.toml").write_text('export_dir = "~/brainstorm-exports"\n')
    assert load_settings().export_directory() == Path.home() / "brainstorm-exports"
    monkeypatch.setenv("BRAINSTORM_EXPORT_DIR", str(tmp_path / "from-env"))
    assert load_settings().export_directory() == tmp_path / "from-env"


def test_home_is_expanded_in_sessions_dir(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text('sessions_dir = "~/brainstorms"\n')
    assert load_settings().sessions_dir == Path.home() / "brainstorms"


@pytest.mark.parametrize(
    ("content", "message"),
    [("model = [", "cannot read config file"), ('backend = "gpu"\n', "backend")],
)
def test_bad_config_is_a_clear_error(tmp_path: Path, content: str, message: str) -> None:
    (tmp_path / "config.toml").write_text(content)
    with pytest.raises(ConfigError, match=message):
        load_settings()


def test_control_characters_become_visible_escapes() -> None:
    hostile = "red\x1b[31m bell\x07 back\rspace\x9b tab\tnewline\n[bold]markup[/]"
    assert visible(hostile) == (
        "red\\x1b[31m bell\\x07 back\\rspace\\x9b tab\tnewline\n[bold]markup[/]"
    )
