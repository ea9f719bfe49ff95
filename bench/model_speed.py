"""Model speed: training time of both models, and inference throughput of both next to the featurizer
alone (the ceiling: every model pays for it), all measured in one run on the same pages.

    python bench/model_speed.py [--profile smoke|full] [--repeats 3] [--home DIR]

Runs in a temporary course home unless --home is given (the crawl is built there first)."""
import argparse, statistics, sys, tempfile, time


def rates(funcs, n, repeats):
    "Median pages/s of each function over n pages, timed round-robin after one warm-up call each."
    for f in funcs.values(): f()
    times = {k: [] for k in funcs}
    for _ in range(repeats):
        for k, f in funcs.items():
            t0 = time.perf_counter(); f(); times[k].append(time.perf_counter() - t0)
    return {k: n / statistics.median(v) for k, v in times.items()}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--profile", default=None, help="course profile (default: COURSE_PROFILE, then settings.ini)")
    ap.add_argument("--repeats", type=int, default=7, help="timed inference rounds (round-robin); the median is reported")
    ap.add_argument("--home", default=None, help="course home to use (default: a new temporary one)")
    a = ap.parse_args(argv)
    from course_lib import config
    config.activate(a.home or tempfile.mkdtemp(prefix="bench-model-") + "/home", a.profile)
    from course_lib import data, model as M
    P = config.profile_settings(a.profile)
    t0 = time.perf_counter(); data.ensure_crawl(a.profile); crawl_s = time.perf_counter() - t0
    train, held = data.load_slice("train", a.profile), data.load_slice("heldout", a.profile)
    texts = held.text.tolist()
    import torch
    print(f"profile {P.name}: {len(train)} training pages, {len(texts)} held-out pages for inference, "
          f"torch threads {torch.get_num_threads()} (training uses 1), crawl ready in {crawl_s:.1f} s")
    feat = M.Featurizer()
    models, rows = {}, []
    for kind in M.KINDS:
        t0 = time.perf_counter()
        models[kind] = M.train_model(kind, train, a.profile, progress=False)
        rows.append([kind, time.perf_counter() - t0, len(models[kind].history), None, M.evaluate(models[kind], held)["f1"]])
    r = rates({"featurizer": lambda: feat(texts), **{k: (lambda m=m: m.predict(texts)) for k, m in models.items()}},
              len(texts), a.repeats)
    ceiling = r["featurizer"]
    for row in rows: row[3] = r[row[0]]
    print(f"\n{'':22}{'train s':>9}{'epochs':>8}{'pages/s':>10}{'of ceiling':>12}{'keep-F1':>9}")
    print(f"{'featurizer alone':22}{'':>9}{'':>8}{ceiling:>10.0f}{1:>12.2f}{'':>9}")
    for kind, train_s, epochs, rate, f1 in rows:
        print(f"{kind + ' model':22}{train_s:>9.2f}{epochs:>8}{rate:>10.0f}{rate / ceiling:>12.2f}{f1:>9.3f}")
    (k1, t1, *_), (k2, t2, *_) = rows
    print(f"\ntraining time {k2}/{k1}: {t2 / t1:.1f}x; inference {k1}/{k2}: {rows[0][3] / rows[1][3]:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
