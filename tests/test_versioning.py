"""Chapter 04: the DVC project, its pipeline of `course stage` commands, remote, corruption, lineage.

Everything runs the real `git` and `dvc` in temporary course homes, with a tiny crawl."""
import json, os, shutil, sys
from pathlib import Path

import pytest
import yaml

from course_lib import config
from course_lib import versioning as V

TINY = {"seed": 7,
        "crawl": {"slices": ["train", "heldout"], "train_pages": 120, "later_pages": 80, "heldout_fraction": 0.5,
                  "noise_fraction": 0.45},
        "model": {"kind": "sklearn", "epochs": 2, "patience": 1, "alpha": 1.0e-6, "eta0": 0.02, "ngram_max": 1}}


# ---------------------------------------------------------------- fast checks, no pipeline run
def test_pipeline_spec_uses_this_interpreter():
    spec = V.pipeline_spec()
    assert list(spec["stages"]) == list(V.STAGES)
    for name, st in spec["stages"].items():
        cmd = st.get("do", st)["cmd"]
        assert cmd.startswith(f"{sys.executable} -m course_lib.cli stage {name}") and not cmd.startswith("python ")
    # per-slice stages expand over the slices listed in params.yaml
    assert spec["stages"]["crawl"]["foreach"] == "${crawl.slices}"
    assert spec["stages"]["crawl"]["do"]["cmd"].endswith("stage crawl ${item}")
    # a stage declares what it reads: params or an upstream output
    assert spec["stages"]["crawl"]["do"]["params"] == ["seed", *(f"crawl.{k}" for k in V.CRAWL_SIZES)]
    assert spec["stages"]["train"]["deps"] == ["data/annotated"] and spec["stages"]["train"]["params"] == ["seed", "model"]


def test_default_params_follow_the_profile(home):
    P = config.profile_settings("smoke")
    p = V.default_params("smoke")
    assert p["seed"] == P.seed and p["crawl"]["train_pages"] == P.train_pages and p["crawl"]["slices"] == ["train", "heldout"]
    assert p["model"]["epochs"] == P.epochs


def test_bad_input_is_rejected_with_a_hint(home, tmp_path):
    tmp_path = tmp_path / "elsewhere"; tmp_path.mkdir()
    with pytest.raises(V.VersioningError, match="dvc' or 'git"): V.sh("make", "all", cwd=tmp_path)
    with pytest.raises(V.VersioningError, match="unknown stage"): V.stage_cmd("deploy")
    with pytest.raises(V.VersioningError, match="not a DVC md5"): V.cache_file("abc", tmp_path)
    with pytest.raises(V.VersioningError, match="no dvc.yaml"): V.run_stage("crawl", tmp_path, "train")
    with pytest.raises(V.VersioningError, match="does not exist"): V.read_params(tmp_path)
    with pytest.raises(V.VersioningError, match="create the project first"): V.dvc("status", cwd=tmp_path / "nope")
    (tmp_path / "mine.txt").write_text("not a project")
    with pytest.raises(V.VersioningError, match="not made by create_project"): V.create_project(tmp_path)
    assert (tmp_path / "mine.txt").exists()  # never deleted, even with fresh=True
    with pytest.raises(V.VersioningError, match="not made by create_project"): V.create_project(tmp_path, fresh=True)
    assert V.stage_main(["crawl", "train", "--root", str(tmp_path)]) == 1
    with pytest.raises(V.VersioningError, match="once per slice"): V.run_stage("crawl", tmp_path)
    with pytest.raises(V.VersioningError, match="takes no slice"): V.run_stage("train", tmp_path, "train")
    with pytest.raises(SystemExit) as e: V.stage_main(["deploy"])
    assert e.value.code == 2
    with pytest.raises(V.VersioningError, match="crawl.slices"): V._check_slices(["train", "later"])
    assert V._check_slices(["train", "heldout", "later"]) == ["train", "heldout", "later"]


def test_set_params_is_checked_and_atomic(home, tmp_path):
    tmp_path = tmp_path / "project"
    V.write_yaml(tmp_path / "params.yaml", TINY)
    with pytest.raises(V.VersioningError, match="no parameter 'model.alpah'"): V.set_params({"model.alpah": 1}, tmp_path)
    with pytest.raises(V.VersioningError, match="no section"): V.set_params({"nope.x": 1}, tmp_path)
    with pytest.raises(V.VersioningError, match="non-empty dict"): V.set_params({}, tmp_path)
    assert V.read_params(tmp_path) == TINY
    V.set_params({"model.alpha": 1e-4, "crawl.slices": ["train", "heldout", "later"]}, tmp_path)
    p = V.read_params(tmp_path)
    assert p["model"]["alpha"] == 1e-4 and p["crawl"]["slices"] == ["train", "heldout", "later"]
    (tmp_path / "params.yaml").write_text("model:\n  alpha: 1e-05\n")  # as `dvc exp run -S` writes it (YAML 1.2)
    assert V.read_params(tmp_path)["model"]["alpha"] == 1e-5
    assert [f.name for f in tmp_path.iterdir()] == ["params.yaml"]  # no temporary left behind


def test_stages_run_parses_dvc_output():
    out = "Running stage 'train':\n> x\nUpdating lock file 'dvc.lock'\n\nRunning stage 'evaluate':\n> y\n"
    assert V.stages_run(out) == ["train", "evaluate"]
    assert V.stages_run("Stage 'crawl' didn't change, skipping\nData and pipelines are up to date.") == []


def test_corrupt_and_cache_file(tmp_path):
    f = tmp_path / "x"; f.write_bytes(b"hello world"); f.chmod(0o444)
    V.corrupt(f, b"HELLO")
    assert f.read_bytes() == b"HELLO world"
    h = "0123456789abcdef0123456789abcdef"
    assert V.cache_file(h, tmp_path) == tmp_path / "files" / "md5" / "01" / h[2:]
    (tmp_path / ".dvc").mkdir()
    assert V.cache_file(h + ".dir", tmp_path) == tmp_path / ".dvc" / "cache" / "files" / "md5" / "01" / (h[2:] + ".dir")


# ---------------------------------------------------------------- the real pipeline, once per module
@pytest.fixture(scope="module")
def project(tmp_path_factory):
    "A course home with a project at tiny params, reproduced once and committed as data-v1."
    saved = dict(os.environ)
    for k in list(os.environ):
        if k.startswith(("COURSE_", "MLFLOW_", "BENTOML_", "ZENML_", "DVC_")): del os.environ[k]
    h = tmp_path_factory.mktemp("versioning") / "home"
    config.activate(h, "smoke")
    # a file store of our own (not the home's default), so no tracking server is needed
    os.environ["MLFLOW_TRACKING_URI"] = f"sqlite:///{h / 'mlflow' / 'tests.db'}"
    root = V.create_project(params=TINY, show=False)
    first = V.dvc("repro", show=False)
    V.commit("data v1", tag="data-v1", show=False)
    yield root, first
    from course_lib import services
    services.reap(h)
    os.environ.clear(); os.environ.update(saved)


@pytest.mark.slow
def test_project_is_a_git_and_dvc_repo_with_a_local_identity(project):
    root, _ = project
    assert (root / ".git").is_dir() and (root / ".dvc").is_dir()
    assert V.git("config", "--local", "user.email", cwd=root, show=False) == "student@course.invalid"
    assert "analytics = false" in (root / ".dvc" / "config").read_text()
    assert V.create_project(root, show=False) == root  # idempotent
    assert V.git("status", "--porcelain", cwd=root, show=False) == ""


@pytest.mark.slow
def test_pipeline_reproduces_skips_and_reruns_selectively(project):
    root, first = project
    assert sorted(V.stages_run(first)) == sorted(["crawl@train", "crawl@heldout", "annotate@train",
                                                  "annotate@heldout", "train", "evaluate"])
    m1 = json.loads((root / "metrics.json").read_text())
    assert set(m1) >= {"f1", "precision", "recall", "mae", "roc_auc", "n"} and "pages_per_s" not in m1
    assert (root / "plots" / "confusion.png").stat().st_size > 0
    again = V.dvc("repro", cwd=root, show=False)
    assert V.stages_run(again) == [] and "up to date" in again
    V.set_params({"model.alpha": 1e-3}, root)
    rerun = V.dvc("repro", cwd=root, show=False)
    assert V.stages_run(rerun) == ["train", "evaluate"]
    assert "model.alpha" in V.dvc("params", "diff", cwd=root, show=False)
    # back to the committed params: git + dvc checkout restore the old model from the cache, no rerun
    V.git("checkout", "--", ".", cwd=root, show=False)
    V.dvc("checkout", cwd=root, show=False)
    assert json.loads((root / "metrics.json").read_text()) == m1
    assert "up to date" in V.dvc("status", cwd=root, show=False)
    # training is deterministic: forcing train and evaluate gives the same metrics, to the last digit
    redo = V.dvc("repro", "--force", "--downstream", "train", cwd=root, show=False)
    assert V.stages_run(redo) == ["train", "evaluate"]
    assert json.loads((root / "metrics.json").read_text()) == m1
    V.git("checkout", "--", ".", cwd=root, show=False)
    V.dvc("checkout", cwd=root, show=False)
    assert "up to date" in V.dvc("status", cwd=root, show=False)


@pytest.mark.slow
def test_a_stage_ignores_the_profile(project, monkeypatch):
    root, _ = project
    monkeypatch.setenv("COURSE_PROFILE", "full")  # a different profile must change nothing a stage writes
    V.run_stage("crawl", root, "heldout")
    assert "up to date" in V.dvc("status", "crawl@heldout", cwd=root, show=False)


@pytest.mark.slow
def test_remote_round_trip_and_corruption_is_detected(project):
    root, _ = project
    remote = V.remote_dir()
    V.dvc("remote", "add", "--default", "--force", "local", str(remote), cwd=root, show=False)
    V.dvc("remote", "modify", "local", "verify", "true", cwd=root, show=False)
    assert "pushed" in V.dvc("push", cwd=root, show=False)
    snapshot = lambda: {p.relative_to(root): p.read_bytes() for p in (root / "data").rglob("*")
                        if p.is_file() and p.name != ".gitignore"}  # .gitignore files are git's, not DVC's
    before = snapshot()
    shutil.rmtree(root / ".dvc" / "cache")
    for out in [*(root / "data").glob("*/*"), root / "model"]:
        if out.is_dir(): shutil.rmtree(out)
    assert "up to date" not in V.dvc("status", cwd=root, show=False)
    V.dvc("pull", cwd=root, show=False)
    assert snapshot() == before
    assert "up to date" in V.dvc("status", cwd=root, show=False)
    # a corrupted cached object is reported, not used, and a pull repairs it from the remote
    victim = next(f for f in V.dir_listing(V.lock_hashes("crawl@train", kind="outs", root=root)["data/crawl/train"], root))
    V.corrupt(V.cache_file(victim["md5"], root))
    assert "not in cache" in V.dvc("status", cwd=root, show=False)
    V.dvc("pull", cwd=root, show=False)
    assert V.cache_file(victim["md5"], root).read_bytes() == before[Path("data/crawl/train") / victim["relpath"]]
    # a missing cached object too
    V.cache_file(victim["md5"], root).unlink()
    assert "not in cache" in V.dvc("status", cwd=root, show=False)
    # a corrupted remote object is refused on download (verify = true): it never reaches the cache
    V.corrupt(V.cache_file(victim["md5"], remote))
    V.dvc("pull", cwd=root, show=False, check=False)
    assert not V.cache_file(victim["md5"], root).exists()
    assert "not in cache" in V.dvc("status", cwd=root, show=False)
    assert (root / "data/crawl/train" / victim["relpath"]).read_bytes() == before[Path("data/crawl/train") / victim["relpath"]]
    # repair: delete the bad remote object and its folder's listing, re-cache the good workspace copy, push
    V.cache_file(victim["md5"], remote).unlink()
    V.cache_file(V.lock_hashes("crawl@train", kind="outs", root=root)["data/crawl/train"], remote).unlink()
    V.dvc("commit", "--force", "crawl@train", cwd=root, show=False)
    V.dvc("push", cwd=root, show=False)
    assert V.cache_file(victim["md5"], remote).read_bytes() == before[Path("data/crawl/train") / victim["relpath"]]


@pytest.mark.slow
def test_train_run_carries_lineage_and_can_be_traced(project):
    from mlflow import MlflowClient
    root, _ = project
    info = json.loads((root / "model" / "mlflow.json").read_text())
    tags = MlflowClient().get_run(info["run_id"]).data.tags
    locked = V.lock_hashes("train", root=root)
    assert tags["dvc.dep.data/annotated"] == locked["data/annotated"]
    assert json.loads(tags["dvc.param.model"]) == V.read_params(root)["model"]
    import course_lib
    assert tags["course_lib.version"] == course_lib.__version__
    assert len(tags["git.commit"]) == 40 and tags["dvc.project"] == str(root)
    t = V.trace_model(version=info["version"])
    v1 = V.git("rev-parse", "data-v1", cwd=root, show=False)
    assert t["run_id"] == info["run_id"] and v1 in t["commits"] and "data-v1" in t["git_tags"][v1]
    assert t["inputs"]["data/annotated"] == locked["data/annotated"]


# ---------------------------------------------------------------- the exercise notebook
