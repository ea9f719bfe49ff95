"""Settings, profiles, the course home and activation (course_lib.config)."""
import os, subprocess, sys
from pathlib import Path

import pytest

from course_lib import config
from course_lib.config import SettingsError

REPO = Path(__file__).resolve().parent.parent


def test_repo_settings_match_package_defaults():
    assert (REPO / "settings.ini").read_text() == config.package_settings().read_text(), \
        "settings.ini and course_lib/settings.ini must stay identical (copy one onto the other)"


def test_defaults_are_typed_and_profiles_agree():
    s = config.load_settings(config.package_settings())
    assert s.profiles == ["full", "smoke"]
    assert set(s["profile.smoke"]) == set(s["profile.full"])
    assert isinstance(s["course"]["seed"], int)
    assert isinstance(s["profile.smoke"]["heldout_fraction"], float)
    assert isinstance(s["profile.full"]["load_clients"], list)
    assert s["profile.smoke"]["train_pages"] < s["profile.full"]["train_pages"]


@pytest.mark.parametrize("text, words", [
    ("[profile.smoke]\nepochs = three\n", ["[profile.smoke] epochs", "'three'", "integer"]),
    ("[grading]\ncell_timout = 5\n", ["unknown key [grading] cell_timout", "cell_timeout"]),
    ("[grading]\nmemory_mb = -5\n", ["memory_mb", "out of range"]),
    ("[profile.smoke]\nheldout_fraction = 1.5\n", ["heldout_fraction", "between 0 and 1"]),
    ("[serving]\nmax_pages_per_call = 1, 2\n", ["max_pages_per_call", "integer"]),
    ("[nonsense]\na = 1\n", ["unknown section [nonsense]"]),
    ("[profile.tiny]\nepochs = 1\n", ["new profile [profile.tiny]", "missing", "train_pages"]),
    ("this is not ini\n", ["not valid INI"]),
])
def test_bad_settings_name_key_and_file(tmp_path, text, words):
    f = tmp_path / "settings.ini"
    f.write_text(text)
    with pytest.raises(SettingsError) as e:
        config.load_settings(f)
    for w in words: assert w in str(e.value)
    assert str(f) in str(e.value)


def test_override_file_is_found_from_subfolder(tmp_path, monkeypatch):
    monkeypatch.delenv("COURSE_SETTINGS", raising=False)
    (tmp_path / "settings.ini").write_text("[profile.smoke]\nepochs = 7 # fewer\n")
    sub = tmp_path / "nbs"; sub.mkdir()
    monkeypatch.chdir(sub)
    s = config.load_settings()
    assert s.file == tmp_path / "settings.ini" and s["profile.smoke"]["epochs"] == 7
    assert s["profile.full"]["epochs"] == config.load_settings(config.package_settings())["profile.full"]["epochs"]


def test_foreign_settings_ini_is_ignored(tmp_path, monkeypatch):
    monkeypatch.delenv("COURSE_SETTINGS", raising=False)
    (tmp_path / "settings.ini").write_text("[DEFAULT]\nlib_name = something_else\n")
    monkeypatch.chdir(tmp_path)
    assert config.find_settings() is None


def test_course_settings_env(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_SETTINGS", str(tmp_path / "missing.ini"))
    with pytest.raises(SettingsError, match="COURSE_SETTINGS names"):
        config.load_settings()
    f = tmp_path / "mine.ini"; f.write_text("[course]\nprofile = smoke\n")
    monkeypatch.setenv("COURSE_SETTINGS", str(f))
    assert config.load_settings()["course"]["profile"] == "smoke"


def test_profile_precedence(monkeypatch):
    s = config.load_settings(config.package_settings())
    monkeypatch.delenv("COURSE_PROFILE", raising=False)
    assert config.get_profile(None, s) == s["course"]["profile"]
    monkeypatch.setenv("COURSE_PROFILE", "smoke")
    assert config.get_profile(None, s) == "smoke"
    assert config.get_profile("full", s) == "full"
    monkeypatch.setenv("COURSE_PROFILE", "huge")
    with pytest.raises(SettingsError, match="unknown profile 'huge' .*COURSE_PROFILE"):
        config.get_profile(None, s)
    p = config.profile_settings("smoke", s)
    assert p.name == "smoke" and p.epochs == s["profile.smoke"]["epochs"] and p.seed == s["course"]["seed"]
    with pytest.raises(AttributeError, match="no setting"):
        p.nope


def test_home_precedence_and_marker(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_HOME", str(tmp_path / "a"))
    assert config.course_home() == tmp_path / "a"
    assert config.course_home(tmp_path / "b") == tmp_path / "b"
    h = config.ensure_home()
    assert config.is_home(h) and config.ensure_home() == h
    other = tmp_path / "docs"; other.mkdir(); (other / "thesis.tex").write_text("x")
    with pytest.raises(SettingsError, match="not a course home"):
        config.ensure_home(other)
    assert (other / "thesis.tex").read_text() == "x" and not config.is_home(other)
    f = tmp_path / "file"; f.write_text("")
    with pytest.raises(SettingsError, match="not a folder"):
        config.ensure_home(f)


def test_activate_sets_tool_state_under_home_and_telemetry_off(tmp_path, monkeypatch):
    for k in list(os.environ):
        if k.startswith(("COURSE_", "MLFLOW_", "BENTOML_", "ZENML_", "DVC_")): monkeypatch.delenv(k)
    h = tmp_path / "home"
    env = config.activate(h, "smoke")
    assert os.environ["COURSE_HOME"] == str(h) and os.environ["COURSE_PROFILE"] == "smoke"
    for k, v in config.TELEMETRY_OFF.items():
        assert os.environ[k] == v and env[k] == v
    for k in ("BENTOML_HOME", "ZENML_CONFIG_PATH", "DVC_GLOBAL_CONFIG_DIR", "DVC_SITE_CACHE_DIR", "MPLCONFIGDIR"):
        assert Path(env[k]).is_relative_to(h), k
    assert env["MLFLOW_TRACKING_URI"] == f"sqlite:///{h}/mlflow/mlflow.db"
    assert config.is_home(h)


def test_import_changes_nothing(tmp_path):
    "Importing every light module leaves the environment and the file system alone."
    code = ("import os, json; before = dict(os.environ); "
            "import course_lib, course_lib.config, course_lib.services, course_lib.cli; "
            "print(json.dumps(dict(os.environ) == before))")
    env = {k: v for k, v in os.environ.items() if not k.startswith("COURSE_")}
    env["HOME"] = str(tmp_path)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert out.stdout.strip() == "true", out.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == []
