"""What the tracking chapter spends its time on, against a real MLflow server in a temporary home.

Prints, from one run: the server's start-up (a fresh database, then the same home again), one
`log_training_run` (params, per-epoch metrics, figures, datasets, model), logging a model with the
`pip_requirements` given (as `course_lib.tracking` does) versus letting MLflow infer them, and
register / promote / load through the registry. The job-runner switch (`SERVER_ENV`) is shown too.
Run: .venv/bin/python bench/tracking_speed.py
"""
import os, sys, tempfile, time
from pathlib import Path


def timed(f, *a, **kw):
    t0 = time.perf_counter()
    out = f(*a, **kw)
    return time.perf_counter() - t0, out


def pages(n, seed):
    import numpy as np, pandas as pd
    rng = np.random.default_rng(seed)
    good = ["Photosynthesis converts light energy into chemical energy stored in glucose.",
            "The theorem follows from the definition of a limit and the triangle inequality."]
    bad = ["BUY NOW cheap pills best price click here!!!", "Accept all cookies | Privacy | Terms | Login"]
    return pd.DataFrame([dict(id=f"b-{seed}-{i}", text=" ".join(rng.choice(good if i % 2 else bad, 4)) + f" {i}",
                              score=4 if i % 2 else 1, keep=bool(i % 2), dump="CC-BENCH", source="bench")
                         for i in range(n)])


def main():
    from course_lib import config, services
    home = Path(tempfile.mkdtemp(prefix="bench-tracking-")) / "home"
    config.activate(home, "smoke")
    from course_lib import tracking, model
    rows = []
    t, srv = timed(tracking.ensure_tracking_server)
    rows.append(("server start, fresh database", t))
    tracking.stop_tracking_server()
    t, srv = timed(tracking.ensure_tracking_server)
    rows.append(("server start, existing database", t))
    t, again = timed(tracking.ensure_tracking_server)
    rows.append(("ensure_tracking_server, already running", t))
    train, heldout = pages(400, 0), pages(200, 1)
    m = model.train_model("sklearn", train, "smoke", progress=False)
    tracking.log_training_run(m, train, heldout, run_name="warm-up")  # first-call imports
    t, rid = timed(tracking.log_training_run, m, train, heldout, run_name="timed")
    rows.append(("log_training_run (with the model)", t))
    t, _ = timed(tracking.log_training_run, m, train, heldout, run_name="no model", log_model=False)
    rows.append(("log_training_run (without the model)", t))
    import mlflow
    with mlflow.start_run(experiment_id=tracking.experiment_id()):
        given, _ = timed(tracking.log_model_to_run, m, heldout)
    orig = tracking.model_requirements
    tracking.model_requirements = lambda kind: None  # let MLflow infer the requirements itself
    try:
        with mlflow.start_run(experiment_id=tracking.experiment_id()):
            inferred, _ = timed(tracking.log_model_to_run, m, heldout)
    finally:
        tracking.model_requirements = orig
    rows.append(("log model, pip_requirements given", given))
    rows.append(("log model, requirements inferred by MLflow", inferred))
    t, v = timed(tracking.register_model, rid)
    rows.append(("register_model", t))
    t, d = timed(tracking.promote_if_better, v)
    rows.append(("promote_if_better (first champion)", t))
    t, champ = timed(tracking.load_champion)
    rows.append(("load_champion", t))
    tracking.stop_tracking_server()
    import shutil; shutil.rmtree(home.parent, ignore_errors=True)
    print(f"MLflow server with {tracking.SERVER_ENV}; temporary home (removed)\n")
    print(f"{'what':<46}{'seconds':>9}")
    for what, sec in rows: print(f"{what:<46}{sec:>9.2f}")
    print(f"\nrequirements inferred / given: {inferred / given:.1f}x slower")
    print(f"server start / reuse: {rows[1][1] / max(rows[2][1], 1e-3):.0f}x")


if __name__ == "__main__":
    main()
