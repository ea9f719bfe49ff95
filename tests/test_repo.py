"""The repository keeps its promises: layout, clean notebooks, package in step with nbs/, light imports."""
import json, os, re, shutil, subprocess, sys, tomllib
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
NOTEBOOKS = sorted((REPO / "nbs").glob("*.ipynb"))


def test_layout():
    for d in ("nbs", "course_lib", "exercises", "solutions", "tests", "bench", ".ci"):
        assert (REPO / d).is_dir(), d
    for f in ("settings.ini", "environment.yml", "README.md", "pyproject.toml", "Makefile", ".ci/run"):
        assert (REPO / f).is_file(), f
    assert "make test" in (REPO / ".ci/run").read_text()


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_is_committed_clean_and_follows_the_format(nb):
    d = json.loads(nb.read_text())
    assert d["metadata"]["kernelspec"]["name"] == "python3"
    code = [c for c in d["cells"] if c["cell_type"] == "code"]
    for c in code:
        assert c.get("outputs") == [] and c.get("execution_count") is None, f"{nb.name}: commit notebooks with outputs cleared"
    params = [c for c in code if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(params) == 1 and "profile = None" in "".join(params[0]["source"]), f"{nb.name}: needs one `parameters` cell with profile = None"
    assert "nbdev_export" not in "".join(code[-1]["source"]), f"{nb.name} must not end with nbdev_export()"
    first = "".join(d["cells"][0]["source"])
    assert first.startswith("# ") and "What you will be able to do" in first and "Time:" in first


def _files(root, pattern):
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.glob(pattern)}


@pytest.mark.slow
def test_nbdev_export_and_clean_change_nothing(tmp_path):
    "Export and clean a copy of the project: the package and notebooks must come out byte for byte as committed."
    for name in ("nbs", "course_lib"):
        shutil.copytree(REPO / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "pyproject.toml", tmp_path)
    before = {**_files(tmp_path, "course_lib/**/*"), **_files(tmp_path, "nbs/**/*")}
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    for cmd in ("nbdev-export", "nbdev-clean"):
        out = subprocess.run([str(BIN / cmd)], cwd=tmp_path, capture_output=True, text=True, env=env)
        assert out.returncode == 0, out.stderr
    after = {k: v for k, v in {**_files(tmp_path, "course_lib/**/*"), **_files(tmp_path, "nbs/**/*")}.items()
             if "__pycache__" not in k}
    before = {k: v for k, v in before.items() if "__pycache__" not in k}
    changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
    assert not changed, f"run nbdev-export and nbdev-clean, then commit: these change {changed}"


def _requirements():
    proj = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    return proj["dependencies"], proj["optional-dependencies"]


def _norm(req):
    return re.sub(r"\s+", "", req).lower()


def test_environment_yml_matches_pyproject():
    env = yaml.safe_load((REPO / "environment.yml").read_text())
    deps = env["dependencies"]
    assert any(str(d).startswith("python=3.11") for d in deps)
    pip = next(d["pip"] for d in deps if isinstance(d, dict) and "pip" in d)
    listed = {_norm(p) for p in pip if not p.startswith("-")}
    core, extras = _requirements()
    wanted = {_norm(r) for r in core + extras["dev"]}
    assert listed - {"-e."} == wanted, (
        f"environment.yml and pyproject.toml disagree: only in environment.yml {sorted(listed - wanted)}, "
        f"only in pyproject.toml {sorted(wanted - listed)}")


LIGHT = ("course_lib", "course_lib.config", "course_lib.services", "course_lib.cli", "course_lib.grading")
HEAVY = ("torch", "sklearn", "mlflow", "dvc", "bentoml", "zenml", "ray", "pandas", "numpy", "matplotlib",
         "pyarrow", "gensim", "nbformat", "nbclient", "jupyter_client", "papermill", "IPython", "psutil")
OWN = {  # the heavy libraries a chapter module may import at module level: its own chapter's
    "data": {"pandas", "numpy", "pyarrow", "gensim", "py3langid", "datasketch"},
    "model": {"torch", "sklearn", "numpy", "pandas"},
    "tracking": {"mlflow"}, "versioning": {"dvc"}, "serving": {"bentoml"}, "bento_service": {"bentoml"},
    "pipelines": {"zenml"}, "monitoring": set(), "scaling": {"ray"}, "cloud": set(),
}
CHAPTER_LIBS = {"torch": "model", "sklearn": "model", "mlflow": "tracking", "dvc": "versioning",
                "bentoml": "serving", "zenml": "pipelines", "ray": "scaling", "gensim": "data", "py3langid": "data",
                "datasketch": "data"}


def _imported(module):
    code = f"import sys, json; import {module}; print(json.dumps(sorted(m.split('.')[0] for m in sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert out.returncode == 0, out.stderr
    return set(json.loads(out.stdout))


@pytest.mark.parametrize("module", [m for m in LIGHT if m == "course_lib" or (REPO / (m.replace(".", "/") + ".py")).exists()])
def test_light_modules_import_nothing_heavy(module):
    heavy = _imported(module) & set(HEAVY)
    assert not heavy, f"{module} imports {sorted(heavy)} at module level: move those imports inside functions"


CHAPTER_MODULES = sorted(p.stem for p in (REPO / "course_lib").glob("*.py")
                         if not p.stem.startswith("_") and f"course_lib.{p.stem}" not in LIGHT)


@pytest.mark.parametrize("mod", CHAPTER_MODULES)
def test_chapter_modules_import_only_their_own_chapter_library(mod):
    loaded = _imported(f"course_lib.{mod}")
    foreign = {lib for lib, owner in CHAPTER_LIBS.items() if lib in loaded and lib not in OWN.get(mod, set())
               and owner != mod}
    assert not foreign, f"course_lib.{mod} imports {sorted(foreign)} (another chapter's library) at module level"
