"""course_lib.tracking against a real MLflow tracking server: one server for the whole session."""
import os, socket, subprocess, sys
from pathlib import Path
import pytest

pytestmark = pytest.mark.slow  # a real `mlflow server` and real models

NAME = "test-quality"  # the tests' registered model; the default one stays empty for ensure_champion


def _pages(n=160, seed=0, dump="CC-TEST-01"):
    "Small frame of pages with the data chapter's columns: half educational (score 4), half spam (score 1)."
    import numpy as np, pandas as pd
    rng = np.random.default_rng(seed)
    good = ["Photosynthesis converts light energy into chemical energy stored in glucose.",
            "The theorem follows from the definition of a limit and the triangle inequality.",
            "Rome's republic gave way to an empire after a century of civil wars.",
            "Water boils at a lower temperature at high altitude because the pressure is lower."]
    bad = ["BUY NOW cheap pills best price click here!!!", "Accept all cookies | Privacy | Terms | Login",
           "Home > Shop > Sale > Shoes > Red shoes size 42 only $9.99", "lorem ipsum dolor sit amet consectetur"]
    rows = []
    for i in range(n):
        ok = i % 2 == 0
        text = " ".join(rng.choice(good if ok else bad, size=4)) + f" ({i})"
        rows.append(dict(id=f"{dump}-{i}", text=text, score=4 if ok else 1, keep=ok, source="test", dump=dump))
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def tracking_home(tmp_path_factory, session_home):
    "A home of its own, so other test files' registrations (e.g. serving's champion) never reach this registry."
    import os
    from course_lib import config
    saved = dict(os.environ)
    h = tmp_path_factory.mktemp("tracking") / "home"
    config.activate(h, "smoke")
    yield h
    os.environ.clear(); os.environ.update(saved)


@pytest.fixture(scope="module")
def server(tracking_home):
    "The one tracking server of these tests."
    from course_lib import tracking
    srv = tracking.ensure_tracking_server(tracking_home)
    yield srv
    import mlflow
    while mlflow.active_run(): mlflow.end_run()
    tracking.stop_tracking_server(tracking_home)


@pytest.fixture(scope="module")
def frames():
    return _pages(160, 0), _pages(80, 1, "CC-TEST-02")


@pytest.fixture(scope="module")
def good_run(server, frames):
    "A run of a well-trained sklearn model, with its model logged."
    from course_lib import tracking, model
    train, heldout = frames
    m = model.train_model("sklearn", train, "smoke", progress=False)
    return m, tracking.log_training_run(m, train, heldout, run_name="good")


@pytest.fixture(scope="module")
def bad_run(server, frames):
    "A run of a model trained on all-zero scores: it keeps nothing, so its keep-F1 is 0."
    from course_lib import tracking, model
    train, heldout = frames
    m = model.train_model("sklearn", train.assign(score=0, keep=False), "smoke", progress=False)
    return m, tracking.log_training_run(m, train, heldout, run_name="bad")


def test_server_is_real_and_over_http(server, tracking_home):
    import mlflow
    from course_lib import tracking, services, config
    assert server.url.startswith("http://127.0.0.1:") and server.is_healthy()
    assert os.environ["MLFLOW_TRACKING_URI"] == server.url == mlflow.get_tracking_uri()
    cmd = server.cmdline
    assert cmd[cmd.index("--backend-store-uri") + 1] == f"sqlite:///{config.paths(tracking_home).mlflow / 'server.db'}"
    assert cmd[cmd.index("--artifacts-destination") + 1] == str(config.paths(tracking_home).mlflow / "artifacts")
    assert services.find_server("mlflow", tracking_home).pid == server.pid
    assert tracking.ensure_tracking_server(tracking_home).pid == server.pid  # reused, not a second server
    eid = tracking.experiment_id("test-exp")
    assert mlflow.MlflowClient().get_experiment(eid).artifact_location.startswith("mlflow-artifacts:")  # proxied


def test_log_training_run_records_everything(good_run, frames, tracking_home):
    import mlflow
    from course_lib import tracking, config
    m, rid = good_run
    train, heldout = frames
    c = mlflow.MlflowClient()
    r = c.get_run(rid)
    assert r.info.status == "FINISHED"
    assert r.data.params["kind"] == "sklearn" and r.data.params["alpha"] == str(m.params["alpha"])
    assert r.data.metrics["heldout_f1"] > 0.9 and r.data.metrics["heldout_n"] == len(heldout)
    hist = c.get_metric_history(rid, "train_mae")
    assert sorted(x.step for x in hist) == [row["epoch"] for row in m.history]
    assert r.data.tags["data.train.hash"] == tracking.content_hash(train)
    assert r.data.tags["data.heldout.dump"] == "CC-TEST-02" and r.data.tags["data.heldout.size"] == str(len(heldout))
    assert len(r.data.tags["mlflow.source.git.commit"]) in (40, len("unknown"))
    inputs = [{t.key: t.value for t in i.tags} for i in r.inputs.dataset_inputs]
    contexts = sorted(t["mlflow.data.context"] for t in inputs)
    assert contexts == ["evaluation", "training"]
    assert sorted(t["hash"] for t in inputs) == sorted([tracking.content_hash(train), tracking.content_hash(heldout)])
    figs = {a.path for a in c.list_artifacts(rid, "figures")}
    assert figs == {"figures/confusion.png", "figures/learning_curve.png"}
    # the model: signature, input example, explicit requirements, and artifacts stored under the home via the server
    info = mlflow.models.get_model_info(r.data.tags["course.model_uri"])
    assert info.signature.inputs.input_names() == ["text"] and info.signature.outputs.input_names() == ["score", "keep"]
    assert info.saved_input_example_info is not None
    logged = mlflow.get_logged_model(r.data.tags["course.model_uri"].split("/")[-1])
    assert logged.source_run_id == rid
    reqs = mlflow.artifacts.load_text(logged.artifact_location + "/requirements.txt")
    assert "mlflow==" in reqs and "course-lib==" in reqs
    assert any((config.paths(tracking_home).mlflow / "artifacts").rglob("MLmodel"))


def test_log_training_run_rejects_bad_input(server, frames):
    from course_lib import tracking
    train, heldout = frames
    with pytest.raises(tracking.TrackingError, match="course_lib.model"):
        tracking.log_training_run(object(), train, heldout)
    from course_lib import model
    m = model.train_model("sklearn", train, "smoke", progress=False)
    with pytest.raises(tracking.TrackingError, match=r"lacks column\(s\) \['score'\].*it has"):
        tracking.log_training_run(m, train, heldout.drop(columns="score"))
    with pytest.raises(tracking.TrackingError, match="empty"):
        tracking.log_training_run(m, train.iloc[:0], heldout)


def test_register_alias_load(good_run, frames):
    from course_lib import tracking
    m, rid = good_run
    v = tracking.register_model(rid, alias="challenger", name=NAME)
    assert isinstance(v, int) and tracking.aliases(NAME)["challenger"] == v
    loaded = tracking.load_version("challenger", NAME)
    texts = frames[1].text.tolist()[:20]
    assert loaded.version == v and loaded.run_id == rid and loaded.kind == "sklearn"
    assert (loaded.predict(texts) == m.predict(texts)).all()
    assert list(loaded.pyfunc.predict(frames[1][["text"]].head(20))["keep"]) == list(m.predict_keep(texts))
    tracking.set_alias(v, "staging", NAME)
    assert tracking.model_version("staging", NAME).version == str(v)


def test_promotion_both_outcomes(good_run, bad_run, frames):
    import mlflow
    from course_lib import tracking
    name = NAME + "-promo"
    v_bad = tracking.register_model(bad_run[1], name=name)
    d = tracking.promote_if_better(v_bad, name=name)
    assert d["decision"] == "promoted" and d["champion_f1"] is None and tracking.champion_version(name) == v_bad
    v_good = tracking.register_model(good_run[1], name=name)
    d = tracking.promote_if_better(v_good, name=name)
    assert d["decision"] == "promoted" and d["champion_version"] == v_bad and d["challenger_f1"] > d["champion_f1"] + 0.5
    assert tracking.champion_version(name) == v_good and "challenger" not in tracking.aliases(name)
    v_bad2 = tracking.register_model(bad_run[1], name=name)
    d = tracking.promote_if_better(v_bad2, name=name)
    assert d["decision"] == "kept" and tracking.champion_version(name) == v_good
    assert tracking.aliases(name)["challenger"] == v_bad2
    # the decision and both scores are logged, as a run and on the version
    run = mlflow.MlflowClient().get_run(d["run_id"])
    assert run.data.params["decision"] == "kept"
    assert run.data.metrics["champion_f1"] == d["champion_f1"] and run.data.metrics["challenger_f1"] == d["challenger_f1"]
    tags = mlflow.MlflowClient().get_model_version(name, str(v_bad2)).tags
    assert tags["promotion.decision"] == "kept" and float(tags["promotion.champion_f1"]) == d["champion_f1"]
    # scoring afresh on a slice gives the same decision; an equal model never beats itself by the margin
    d = tracking.promote_if_better(v_bad2, name=name, eval_df=frames[1])
    assert d["decision"] == "kept" and d["basis"].startswith("keep-F1 on 80 pages")
    v_good2 = tracking.register_model(good_run[1], name=name)
    assert tracking.promote_if_better(v_good2, name=name)["decision"] == "kept"
    assert tracking.promote_if_better(v_good2, name=name, margin=0.0)["decision"] == "promoted"
    champ = tracking.load_champion(name)
    assert champ.version == v_good2 == tracking.champion_version(name)


def test_errors_say_which_and_what_exists(good_run, server):
    import mlflow
    from course_lib import tracking
    rid = good_run[1]
    name = NAME + "-errors"
    v = tracking.register_model(rid, alias="challenger", name=name)
    with pytest.raises(tracking.TrackingError, match=r"no alias 'champoin'; its aliases: challenger -> v1"):
        tracking.load_version("champoin", name)
    with pytest.raises(tracking.TrackingError, match=r"no alias 'champion'"):
        tracking.load_champion(name)
    with pytest.raises(tracking.TrackingError, match=rf"no registered model 'no-such-model'.*{name}"):
        tracking.load_champion("no-such-model")
    with pytest.raises(tracking.TrackingError, match=r"no registered model 'no-such-model'"):
        tracking.champion_version("no-such-model")
    with pytest.raises(tracking.TrackingError, match=r"has no version 7; its versions: \[1\]"):
        tracking.model_version(7, name)
    with pytest.raises(tracking.TrackingError, match=r"no run 'nope'.*recent runs"):
        tracking.register_model("nope", name=name)
    with pytest.raises(tracking.TrackingError, match=r"not a number and not 'latest'"):
        tracking.set_alias(v, "42", name)
    # a run without the metric the rule needs: named, with the metrics it has
    with mlflow.start_run(experiment_id=tracking.experiment_id()) as r:
        mlflow.log_metric("val_mae", 0.3)
        mlflow.set_tag("course.model_uri", mlflow.MlflowClient().get_run(rid).data.tags["course.model_uri"])
    v2 = tracking.register_model(r.info.run_id, name=name)
    with pytest.raises(tracking.TrackingError, match=rf"run {r.info.run_id} \(version {v2}\) has no metric 'heldout_f1'.*\['val_mae'\]"):
        tracking.promote_if_better(v2, name=name)
    with pytest.raises(tracking.TrackingError, match=r"no logged model"):
        with mlflow.start_run(experiment_id=tracking.experiment_id()) as r2: pass
        tracking.register_model(r2.info.run_id, name=name)
    with pytest.raises(tracking.TrackingError, match="margin must be >= 0"):
        tracking.promote_if_better(v, name=name, margin=-1)


def test_sweep_nested_runs(server, frames):
    import mlflow, matplotlib.pyplot as plt
    from course_lib import tracking
    train, heldout = frames
    parent = tracking.run_sweep("sklearn", "alpha", [1e-6, 1e-2], train, heldout, profile="smoke", experiment="test-sweep")
    res = tracking.sweep_results(parent)
    assert len(res) == 2 and set(res["params.alpha"]) == {"1e-06", "0.01"}
    assert (res["tags.mlflow.parentRunId"] == parent).all() and res["metrics.heldout_f1"].is_monotonic_decreasing
    # only the winner carries a model, so it is the one that can be registered
    best = mlflow.MlflowClient().get_run(parent).data.tags["course.best_run"]
    assert best == res.loc[0, "run_id"]
    with_model = res.loc[res["tags.course.model_uri"].notna(), "run_id"].tolist() if "tags.course.model_uri" in res else []
    assert with_model == [best]
    assert isinstance(tracking.register_model(best, name=NAME + "-sweep"), int)
    with pytest.raises(tracking.TrackingError, match="no logged model"):
        tracking.register_model(res.loc[1, "run_id"], name=NAME + "-sweep")
    fig = tracking.sweep_figure(res, "alpha")
    assert fig.axes[0].get_xlabel() == "alpha" and fig.axes[0].get_xscale() == "log"
    plt.close(fig)
    with pytest.raises(tracking.TrackingError, match="no metric 'nope'"):
        tracking.sweep_results(parent, "nope")
    with pytest.raises(tracking.TrackingError, match="both swept and fixed"):
        tracking.run_sweep("sklearn", "alpha", [1e-6], train, heldout, alpha=1e-3)
    with pytest.raises(tracking.TrackingError, match="at least one value"):
        tracking.run_sweep("sklearn", "alpha", [], train, heldout)
    with pytest.raises(tracking.TrackingError, match="log_models must be"):
        tracking.run_sweep("sklearn", "alpha", [1e-6], train, heldout, log_models="some")
    from course_lib import model
    m = model.train_model("sklearn", train, "smoke", progress=False)
    with pytest.raises(tracking.TrackingError, match="needs a run"):
        tracking.log_model_to_run(m, heldout)
    with pytest.raises(tracking.TrackingError, match="no run 'nope'"):
        tracking.log_model_to_run(m, heldout, run_id="nope")


def test_ensure_champion_fills_an_empty_registry(server, tracking_home):
    from course_lib import tracking
    assert tracking.champion_version() is None  # the default registered model does not exist yet
    m, v = tracking.ensure_champion("smoke")
    assert v == tracking.champion_version() == m.version == 1
    m2, v2 = tracking.ensure_champion("smoke")  # a second call reuses it
    assert v2 == v and m2.run_id == m.run_id


def test_second_process_reuses_the_server(server, tracking_home):
    code = ("from course_lib import tracking, config; config.activate(); s = tracking.ensure_tracking_server(); "
            "import os; print(s.pid, s.url, os.environ['MLFLOW_TRACKING_URI'])")
    env = {**os.environ, "COURSE_HOME": str(tracking_home), "COURSE_PROFILE": "smoke"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.split() == [str(server.pid), server.url, server.url]
    assert server.is_healthy()


def test_local_store_keeps_artifacts_beside_it(server, tmp_path, monkeypatch):
    "An explicit local store is respected (no server started) and artifacts never land in the cwd."
    import mlflow
    from course_lib import tracking
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'local.db'}")
    monkeypatch.chdir(tmp_path)
    assert tracking.connect() == f"sqlite:///{tmp_path / 'local.db'}"
    eid = tracking.experiment_id("local")
    assert mlflow.MlflowClient().get_experiment(eid).artifact_location == (tmp_path / "artifacts" / "local").as_uri()


def test_connect_uses_the_server_when_on_the_local_default(server, tracking_home, monkeypatch):
    from course_lib import tracking, config
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{config.paths(tracking_home).mlflow / 'mlflow.db'}")
    assert tracking.connect() == server.url and os.environ["MLFLOW_TRACKING_URI"] == server.url


def test_server_that_cannot_start_quotes_its_log(server, tracking_home, tmp_path):
    from course_lib import tracking, services
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0)); s.listen()
        port = s.getsockname()[1]
        with pytest.raises(services.ServiceError, match=r"(?s)Last lines of .*address already in use"):
            tracking.start_tracking_server(tracking_home, port=port, backend=f"sqlite:///{tmp_path / 'p.db'}",
                                           name="mlflow-port-taken", timeout=120)
    blocker = tmp_path / "a-file"; blocker.write_text("not a folder")
    with pytest.raises(services.ServiceError, match=r"(?s)exited with code.*Last lines of .*a-file"):
        tracking.start_tracking_server(tracking_home, backend=f"sqlite:///{blocker}/server.db",
                                       name="mlflow-bad-backend", timeout=120)
    assert server.is_healthy()  # the session's server is untouched


def test_stop_and_restart_keeps_the_registry(server, tracking_home, good_run):
    "Last: the server is stopped behind our back, then by us; restarts find the runs and registry intact."
    import mlflow
    from course_lib import tracking, services
    before = tracking.champion_version(NAME + "-promo")
    assert services.stop_server(server) and not server.is_alive()  # as another process (or `course run`) would
    assert os.environ["MLFLOW_TRACKING_URI"] == server.url  # this process still points at the dead server
    try:
        assert tracking.champion_version(NAME + "-promo") == before  # connect() started a new one
        srv = services.find_server("mlflow", tracking_home)
        assert srv is not None and srv.pid != server.pid and os.environ["MLFLOW_TRACKING_URI"] == srv.url
        assert mlflow.MlflowClient().get_run(good_run[1]).data.metrics["heldout_f1"] > 0.9
        assert tracking.stop_tracking_server(tracking_home) and not srv.is_alive()
        assert services.find_server("mlflow", tracking_home) is None
        assert os.environ["MLFLOW_TRACKING_URI"].startswith("sqlite:///")  # back on the home's local default
    finally:
        tracking.stop_tracking_server(tracking_home)


def test_module_is_light():
    "Importing course_lib.tracking pulls in mlflow but not torch, sklearn or another chapter's module."
    code = ("import sys, course_lib.tracking; bad = [m for m in ('torch', 'sklearn', 'course_lib.model', 'course_lib.data') "
            "if m in sys.modules]; print(bad)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr[-2000:]
