from pathlib import Path

import pytest

from lanner.errors import ConfigurationError
from lanner.settings import load_settings


def test_defaults_live_under_lanner_home(tmp_path: Path) -> None:
    settings = load_settings({"LANNER_HOME": str(tmp_path)})
    assert settings.repository_url == f"sqlite:///{tmp_path / 'lanner.db'}"
    assert settings.storage_dir == tmp_path / "storage"
    assert settings.basic_auth is None


def test_file_then_environment_variable_win_in_order(tmp_path: Path) -> None:
    (tmp_path / "config.yml").write_text(
        "repository: {url: 'sqlite:///from-file.db'}\nvariables: {globals: {team: a}}\n")
    env = {"LANNER_HOME": str(tmp_path),
           "LANNER_CONFIGURATION": "variables:\n  globals: {team: b}\n"}
    settings = load_settings(env)
    assert settings.repository_url == "sqlite:///from-file.db"
    assert settings.globals == {"team": "b"}


def test_kestra_layout_kebab_case_and_placeholders(tmp_path: Path) -> None:
    env = {
        "LANNER_HOME": str(tmp_path),
        "PASSWORD": "s3cret",
        "LANNER_CONFIGURATION": "kestra:\n  server:\n    basicAuth:\n      username: a@b.c\n"
                                "      password: ${PASSWORD}\n",
    }
    assert load_settings(env).basic_auth == ("a@b.c", "s3cret")


def test_envs_strip_the_prefix_and_lower_case(tmp_path: Path) -> None:
    settings = load_settings({"LANNER_HOME": str(tmp_path), "ENV_MY_VAR": "x", "OTHER": "y"})
    assert settings.envs == {"my_var": "x"}


def test_invalid_configuration_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="LANNER_CONFIGURATION is not valid YAML"):
        load_settings({"LANNER_HOME": str(tmp_path), "LANNER_CONFIGURATION": "a: [1,"})
    with pytest.raises(ConfigurationError, match="must be a YAML mapping"):
        load_settings({"LANNER_HOME": str(tmp_path), "LANNER_CONFIGURATION": "- 1"})
