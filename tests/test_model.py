"""Tests of course_lib.model: the QualityModel contract, determinism, fine-tuning, bad input, ensure_model."""
import json, os, subprocess, sys, warnings
import numpy as np
import pytest
import torch

from course_lib import model as M

KINDS = list(M.KINDS)
TOY = ["Photosynthesis converts light energy into chemical energy stored in glucose.",
       "Home | Shop | Cart | Login", "The French Revolution began in 1789 and ended the monarchy.",
       "BUY NOW cheap watches click here!!!"] * 3
TOY_SCORES = [4, 0, 4, 0] * 3


@pytest.fixture(scope="session")
def slices(session_home):
    "The smoke crawl's three slices, built once by the real course_lib.data."
    from course_lib import data
    data.ensure_crawl()
    return {s: data.load_slice(s) for s in ("train", "later", "heldout")}


@pytest.fixture(scope="session")
def trained(slices):
    "Both models trained once on the smoke training dump."
    return {k: M.train_model(k, slices["train"], progress=False) for k in KINDS}


@pytest.fixture(scope="session")
def toy():
    "Both models trained in a second on a dozen hand-made pages (for tests that need no crawl)."
    return {k: M.make_model(k, epochs=3).fit(TOY, TOY_SCORES, progress=False) for k in KINDS}


# --- the contract ---

@pytest.mark.slow
@pytest.mark.parametrize("kind", KINDS)
def test_round_trip(kind, trained, slices, tmp_path):
    m = trained[kind]
    texts = slices["heldout"].text[:50]
    folder = m.save(tmp_path / "m")
    assert folder == tmp_path / "m" and (folder / M.MANIFEST).is_file()
    for back in (M.load_model(folder), M.KINDS[kind].load(folder), M.QualityModel.load(folder)):
        assert type(back) is type(m) and back.kind == kind
        assert back.params == m.params and back.history == m.history
        np.testing.assert_array_equal(back.predict(texts), m.predict(texts))
    p = back.predict(texts)
    assert p.dtype == np.float32 and p.shape == (50,) and ((p >= 0) & (p <= 5)).all()
    assert back.predict_keep(texts).dtype == bool
    np.testing.assert_array_equal(back.predict_keep(texts), p >= 3)
    json.dumps(m.params); json.dumps(m.history)  # loggable as they are
    assert not [f for f in tmp_path.iterdir() if f.name.startswith(".")]  # no temporary folder left


@pytest.mark.parametrize("kind", KINDS)
def test_save_replaces_atomically(kind, toy, tmp_path):
    m = toy[kind]
    m.save(tmp_path / "m"); m.save(tmp_path / "m")
    assert sorted(f.name for f in tmp_path.iterdir()) == ["m"]
    (tmp_path / "file").write_text("x")
    with pytest.raises(M.ModelError, match="not a folder"): m.save(tmp_path / "file")
    with pytest.raises(M.ModelError, match="not trained"): M.make_model(kind).save(tmp_path / "u")


@pytest.mark.slow
@pytest.mark.parametrize("kind", KINDS)
def test_training_history_and_early_stopping(kind, trained, slices):
    m = trained[kind]
    h = m.history
    assert 1 <= len(h) <= m.params["epochs"] and [r["epoch"] for r in h] == list(range(1, len(h) + 1))
    assert {"epoch", "phase", "train_mae", "val_mae", "val_f1", "seconds", "best"} <= set(h[0])
    best = [r for r in h if r["best"]]
    assert len(best) == 1 and best[0]["val_mae"] == min(r["val_mae"] for r in h)
    # the model kept is the best epoch's: its MAE on the validation split is the best val_mae
    _, val = M.split_frame(slices["train"], 0.2, m.params["seed"])
    assert M.evaluate(m, val)["mae"] == pytest.approx(best[0]["val_mae"], abs=1e-5)


@pytest.mark.slow
def test_early_stopping_stops(slices):
    m = M.train_model("sklearn", slices["train"], epochs=40, patience=1, eta0=2.0, average=False, progress=False)
    assert len(m.history) < 40  # an overshooting learning rate stops improving soon


@pytest.mark.slow
@pytest.mark.parametrize("kind", KINDS)
def test_determinism(kind, slices):
    df = slices["train"].iloc[:200]
    a = M.train_model(kind, df, epochs=2, progress=False).predict(slices["heldout"].text)
    b = M.train_model(kind, df, epochs=2, progress=False).predict(slices["heldout"].text)
    np.testing.assert_array_equal(a, b)
    c = M.train_model(kind, df, epochs=2, seed=7, progress=False).predict(slices["heldout"].text)
    assert not np.array_equal(a, c)


def test_torch_settings_restored():
    threads, det = torch.get_num_threads(), torch.are_deterministic_algorithms_enabled()
    M.make_model("torch", epochs=1).fit(TOY, TOY_SCORES, progress=False)
    assert (torch.get_num_threads(), torch.are_deterministic_algorithms_enabled()) == (threads, det)


@pytest.mark.slow
@pytest.mark.parametrize("kind", KINDS)
def test_fine_tuning_changes_predictions(kind, trained, slices, tmp_path):
    base = trained[kind]
    later, held = slices["later"], slices["heldout"].text
    tuned = M.load_model(base.save(tmp_path / "m")).fine_tune(later.text, later.score, progress=False)
    assert not np.array_equal(tuned.predict(held), base.predict(held))
    n = tuned.params["fine_tune_epochs"]
    assert len(tuned.history) == len(base.history) + n
    assert [r["phase"] for r in tuned.history[-n:]] == ["fine-tune"] * n
    np.testing.assert_array_equal(M.load_model(tmp_path / "m").predict(held), base.predict(held))  # the saved base is untouched
    before = tuned.predict(held)
    tuned.partial_fit(later.text, later.score)
    assert len(tuned.history) == len(base.history) + n + 1 and tuned.history[-1]["phase"] == "partial_fit"
    assert not np.array_equal(tuned.predict(held), before)


@pytest.mark.slow
@pytest.mark.parametrize("kind", KINDS)
def test_training_resumes_after_load(kind, trained, slices, tmp_path):
    "A saved and reloaded model continues training exactly as the original would (optimizer state included)."
    later, held = slices["later"].iloc[:100], slices["heldout"].text
    back = M.load_model(trained[kind].save(tmp_path / "m"))
    import copy
    a = copy.deepcopy(trained[kind]).partial_fit(later.text, later.score)  # the original, never saved
    back.partial_fit(later.text, later.score)
    np.testing.assert_array_equal(a.predict(held), back.predict(held))
    resumed = M.load_model(back.save(tmp_path / "m2"))
    np.testing.assert_array_equal(resumed.partial_fit(later.text, later.score).predict(held),
                                  back.partial_fit(later.text, later.score).predict(held))


@pytest.mark.slow
def test_inference_stays_light(toy, tmp_path):
    "Loading a torch model and predicting never builds an optimizer (whose first use imports torch's compiler)."
    folder = toy["torch"].save(tmp_path / "m")
    code = (f"import sys; from course_lib import model as M; m = M.load_model({str(folder)!r}); "
            "p = m.predict(['a page of text']); assert p.shape == (1,); "
            "assert 'torch._dynamo' not in sys.modules, 'inference imported torch._dynamo'")
    subprocess.run([sys.executable, "-c", code], check=True, env={**os.environ})


@pytest.mark.parametrize("kind", KINDS)
def test_partial_fit_starts_an_untrained_model(kind):
    m = M.make_model(kind).partial_fit(TOY, TOY_SCORES)
    assert m.fitted and len(m.history) == 1 and m.predict(TOY).shape == (len(TOY),)


# --- evaluation ---

@pytest.mark.slow
def test_evaluate_and_figures(trained, slices):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    m, held = trained["sklearn"], slices["heldout"]
    r = M.evaluate(m, held)
    assert set(r) == {"mae", "precision", "recall", "f1", "roc_auc", "pages_per_s", "n"} and r["n"] == len(held)
    assert 0 <= r["f1"] <= 1 and 0 <= r["precision"] <= 1 and 0 <= r["recall"] <= 1 and r["pages_per_s"] > 0
    keep_true, keep_pred = held.score.to_numpy() >= 3, m.predict(held.text) >= 3
    tp = (keep_true & keep_pred).sum()
    assert r["f1"] == pytest.approx(2 * tp / (keep_true.sum() + keep_pred.sum()))
    assert M.keep_f1(held.score, m.predict(held.text)) == pytest.approx(r["f1"])
    by = M.errors_by_source(m, held)
    assert by.pages.sum() == len(held) and set(by.index) == set(held.source)
    assert list(by.mae) == sorted(by.mae, reverse=True)
    fig = M.confusion_figure(m, held)
    assert isinstance(fig, matplotlib.figure.Figure)
    assert sum(int(t.get_text()) for t in fig.axes[1].texts) == len(held)
    assert isinstance(M.learning_curve_figure(m), matplotlib.figure.Figure)
    plt.close("all")


# --- bad input ---

@pytest.mark.parametrize("kind", KINDS)
def test_bad_input(kind, toy):
    m = toy[kind]
    with pytest.raises(ValueError, match="empty: pass at least one page text"): m.predict([])
    with pytest.raises(TypeError, match=r"texts\[1\] is a int, expected a str"): m.predict(["ok", 3])
    with pytest.raises(TypeError, match=r"texts\[0\] is a missing value"): m.predict([float("nan")])
    with pytest.raises(TypeError, match=r"texts\[0\] is a missing value"): m.predict([None])
    with pytest.raises(TypeError, match="wrap it in a list"): m.predict("one page")
    with pytest.raises(TypeError, match="list of page texts"): m.predict(42)
    fresh = M.make_model(kind)
    with pytest.raises(ValueError, match="3 values but there are 2 texts"): fresh.fit(["a", "b"], [1, 2, 3])
    with pytest.raises(ValueError, match=r"scores\[1\] is NaN"): fresh.fit(["a", "b"], [1, float("nan")])
    with pytest.raises(ValueError, match="outside 0-5"): fresh.fit(["a", "b"], [1, 6])
    with pytest.raises(TypeError, match="numbers between 0 and 5"): fresh.fit(["a", "b"], ["x", "y"])
    with pytest.raises(ValueError, match="both val_texts and val_scores"): fresh.fit(["a", "b"], [1, 2], ["c"])
    with pytest.raises(ValueError, match=r"val_scores has 1 values but there are 2 texts"): fresh.fit(["a", "b"], [1, 2], ["c", "d"], [1])
    with pytest.raises(ValueError, match=r"texts is empty"): fresh.fine_tune([], [])
    with pytest.raises(M.ModelError, match="not trained yet"): fresh.predict(["a"])
    with pytest.raises(TypeError, match="unknown parameter"): M.make_model(kind, epoch=3)
    with pytest.raises(ValueError, match="epochs must be a positive integer"): M.make_model(kind, epochs=0)
    with pytest.raises(ValueError, match="loss must be one of"): M.make_model(kind, loss="hinge")
    with pytest.raises(ValueError, match="unknown model kind"): M.make_model("xgboost")
    with pytest.raises(ValueError, match="unknown model kind"): M.model_path(kind="xgboost")
    with pytest.raises(TypeError, match="DataFrame"): M.train_model(kind, [("a", 1)])
    with pytest.raises(ValueError, match="lacks column"): M.evaluate(m, __import__("pandas").DataFrame({"text": ["a"]}))


@pytest.mark.parametrize("kind", KINDS)
def test_missing_or_corrupt_model_files(kind, toy, tmp_path):
    with pytest.raises(M.ModelError, match="no model at"): M.load_model(tmp_path / "nothing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(M.ModelError, match="has no model.json"): M.load_model(tmp_path / "empty")
    (tmp_path / "afile").write_text("x")
    with pytest.raises(M.ModelError, match="is a file"): M.load_model(tmp_path / "afile")
    folder = toy[kind].save(tmp_path / "m")
    weights = next(f for f in folder.iterdir() if f.name != M.MANIFEST)
    blob = weights.read_bytes()
    weights.write_bytes(blob[: len(blob) // 2])  # truncated
    with pytest.raises(M.ModelError, match="corrupt"): M.load_model(folder)
    weights.unlink()
    with pytest.raises(M.ModelError, match="is missing"): M.load_model(folder)
    weights.write_bytes(blob)
    assert M.load_model(folder).kind == kind
    manifest = folder / M.MANIFEST
    manifest.write_text("{not json")
    with pytest.raises(M.ModelError, match="not valid JSON"): M.load_model(folder)
    manifest.write_text(json.dumps({"kind": "xgboost", "files": {}}))
    with pytest.raises(M.ModelError, match="not a course model manifest"): M.load_model(folder)
    other = "torch" if kind == "sklearn" else "sklearn"
    folder2 = toy[other].save(tmp_path / "other")
    with pytest.raises(M.ModelError, match="use load_model"): M.KINDS[kind].load(folder2)


# --- the model in the course home ---

@pytest.mark.slow
def test_ensure_model(slices, session_home):
    path = M.model_path(kind="sklearn")
    assert path.parent == session_home / "models" and "smoke" in path.name
    m = M.ensure_model(kind="sklearn")
    stamp = (path / M.MANIFEST).stat().st_mtime_ns
    again = M.ensure_model(kind="sklearn")
    assert (path / M.MANIFEST).stat().st_mtime_ns == stamp  # reused, not retrained
    held = slices["heldout"].text
    np.testing.assert_array_equal(m.predict(held), again.predict(held))
    (path / "estimator.joblib").write_bytes(b"broken")
    with pytest.warns(UserWarning, match="rebuilding"):
        rebuilt = M.ensure_model(kind="sklearn")
    np.testing.assert_array_equal(rebuilt.predict(held), m.predict(held))  # same seed, same model
    assert M.load_model(path).kind == "sklearn"


@pytest.mark.slow
def test_module_weight():
    code = ("import sys, course_lib.model; bad = [m for m in ('mlflow', 'bentoml', 'zenml', 'dvc', 'course_lib.data', "
            "'gensim', 'datasketch', 'matplotlib') if m in sys.modules]; assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True, env={**os.environ})
