"""Shared fixtures: every test runs against a temporary course home, never the user's."""
import os
import pytest

from course_lib import config


@pytest.fixture
def home(tmp_path, monkeypatch):
    "A fresh, activated course home at the smoke profile; the environment is restored afterwards."
    for k in list(os.environ):
        if k.startswith(("COURSE_", "MLFLOW_", "BENTOML_", "ZENML_", "DVC_")): monkeypatch.delenv(k)
    h = tmp_path / "home"
    monkeypatch.setenv("COURSE_HOME", str(h))
    monkeypatch.setenv("COURSE_PROFILE", "smoke")
    env = config.activate(h, "smoke")
    for k, v in env.items(): monkeypatch.setenv(k, v)
    yield h
    from course_lib import services
    services.reap(h)


@pytest.fixture(scope="session")
def session_home(tmp_path_factory):
    "One activated course home shared by a whole test session, for things that are slow to build."
    h = tmp_path_factory.mktemp("session") / "home"
    saved = dict(os.environ)
    config.activate(h, "smoke")
    yield h
    from course_lib import services
    services.reap(h)
    os.environ.clear(); os.environ.update(saved)
